/**
 * Column arrays carved from shared slabs (shareColumnArrays, as decoding threads do) read back
 * exactly as the arrays a plain decode makes: views at offsets within a slab, 64-bit words,
 * ids and lists included. The listeners' tests reach this path only on machines with more than
 * one core (decoding threads), so it is pinned here.
 */
import { expect, test } from 'vitest'
import { cellValue, columnLength, type Batch } from '../../storage/index.ts'
import { FULL_LOGS, FULL_METRICS, FULL_TRACES } from '../../test/support/otlp-fixtures.ts'
import { encodeOtlpJsonAsProtobuf } from '../../test/support/otlp-protobufjs.ts'
import { shareColumnArrays } from '../../storage/index.ts'
import { OtlpDecoder, type OtlpSignal } from './decoder.ts'

const REQUESTS: [OtlpSignal, Uint8Array][] = [
  ['traces', encodeOtlpJsonAsProtobuf('traces', FULL_TRACES)],
  ['logs', encodeOtlpJsonAsProtobuf('logs', FULL_LOGS)],
  ['metrics', encodeOtlpJsonAsProtobuf('metrics', FULL_METRICS)],
]

function cells(batch: Batch): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const [name, column] of Object.entries(batch.columns)) {
    expect(columnLength(column)).toBe(batch.length)
    out[name] = Array.from({ length: batch.length }, (_, row) => cellValue(column, row))
  }
  return out
}

test('batches decoded into shared slabs hold the same cells as plain ones', () => {
  const decoder = new OtlpDecoder()
  const plain = REQUESTS.map(([signal, body]) => cells(decoder.decode(signal, 'protobuf', body).batch))
  shareColumnArrays()
  // Twice over, so that the second round's arrays sit at other offsets of the slabs.
  for (let round = 0; round < 2; round++) {
    REQUESTS.forEach(([signal, body], i) => {
      const batch = decoder.decode(signal, 'protobuf', body).batch
      for (const column of Object.values(batch.columns)) {
        const array = 'codes' in column ? column.codes : column.kind === 'any' ? undefined : column.values
        if (array !== undefined && array.byteLength > 0) expect(array.buffer).toBeInstanceOf(SharedArrayBuffer)
      }
      expect(cells(batch)).toEqual(plain[i])
    })
  }
})
