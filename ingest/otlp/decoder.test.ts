/**
 * The decoder alone: boundary values survive, and each kind of bad protobuf is a typed error
 * with a message (one line per case).
 */
import { describe, expect, test } from 'vitest'
import { cellValue } from '../../storage/index.ts'
import { IngestError, type IngestErrorCode } from '../errors.ts'
import { OtlpDecoder, type OtlpSignal } from './decoder.ts'
import { writeBytesField } from './proto-writer.ts'

const decoder = new OtlpDecoder()

function msg(field: number, ...parts: number[][]): number[] {
  const out: number[] = []
  writeBytesField(out, field, parts.flat())
  return out
}
const fixed64 = (field: number, value: bigint) => [(field << 3) | 1, ...new Uint8Array(BigInt64Array.of(value).buffer)]
const ids = [...msg(1, Array(16).fill(7)), ...msg(2, Array(8).fill(9))]
const spanRequest = (...fields: number[][]) => Uint8Array.from(msg(1, msg(2, msg(2, ids, ...fields))))

describe('boundary values', () => {
  test('timestamps and int attributes keep all 64 bits', () => {
    const attr = msg(9, msg(1, [...Buffer.from('n')]), msg(2, [0x18, ...Array(9).fill(0xff), 0x01]))
    const { batch } = decoder.decode('traces', 'protobuf', spanRequest(fixed64(7, 7_258_118_400_000_000_000n), fixed64(8, -1n), attr))
    expect(cellValue(batch.columns.startTimeUnixNano, 0)).toBe(7_258_118_400_000_000_000n)
    expect(cellValue(batch.columns.endTimeUnixNano, 0)).toBe(-1n)
    expect(cellValue(batch.columns['a:n'], 0)).toBe(-1n)
  })

  test('a string that repeats decodes to the same value from the cache', () => {
    const name = msg(5, [...Buffer.from('GET /ünïcode')])
    for (let i = 0; i < 3; i++) {
      const { batch } = decoder.decode('traces', 'protobuf', spanRequest(fixed64(7, 1n), name))
      expect(cellValue(batch.columns.name, 0)).toBe('GET /ünïcode')
    }
  })
})

describe('malformed protobuf', () => {
  const f = (signal: OtlpSignal, body: number[], code: IngestErrorCode, message: RegExp) => {
    let error: unknown
    try {
      decoder.decode(signal, 'protobuf', Uint8Array.from(body))
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(IngestError)
    expect((error as IngestError).code).toBe(code)
    expect((error as IngestError).message).toMatch(message)
  }
  test('truncated length', () => f('logs', [0x0a, 0x05, 0x01], 'MALFORMED', /runs past the end/))
  test('truncated fixed64', () => f('traces', [...spanRequest([0x39, 1, 2, 3])], 'MALFORMED', /a fixed64 runs past the end/))
  test('group wire type', () => f('metrics', [0x0b], 'MALFORMED', /wire type 3 of field 1|field 1 has wire type 3/))
  test('packed list not a multiple of 8', () =>
    f('metrics', msg(1, msg(2, msg(2, msg(9, msg(1, msg(6, [1, 2, 3])))))), 'MALFORMED', /not a multiple of 8/))
  test('two data fields in a metric', () => f('metrics', msg(1, msg(2, msg(2, msg(5), msg(7)))), 'MALFORMED', /more than one data field/))
  test('span id of 9 bytes', () => f('traces', msg(1, msg(2, msg(2, msg(2, Array(9).fill(1))))), 'MALFORMED', /9 bytes long, expected 8/))
  test('AnyValue nested too deep', () => {
    let v = msg(1, [0x61])
    for (let i = 0; i < 40; i++) v = msg(5, msg(1, v))
    f('logs', msg(1, msg(2, msg(2, msg(5, v)))), 'LIMIT_EXCEEDED', /nested more than 32/)
  })
})
