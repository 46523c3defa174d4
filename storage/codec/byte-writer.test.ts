import { describe, expect, it } from 'vitest'
import { seededRandom } from '../../test/support/random-batch.ts'
import { ByteReader } from './byte-reader.ts'
import { ByteWriter, withReusedWriter } from './byte-writer.ts'
import { referenceString } from './testdata/reference-encoder.ts'

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')
}

/** Strings at the edges of every path: short and long, ASCII or not, lengths whose UTF-8
 * needs a longer prefix than their characters, surrogates paired and alone. */
const EDGES = [
  '',
  'a',
  'x'.repeat(15),
  'x'.repeat(16),
  'x'.repeat(127),
  'x'.repeat(128),
  'x'.repeat(16383),
  'x'.repeat(16384),
  'é',
  'é'.repeat(15),
  'é'.repeat(63),
  'é'.repeat(64), // 64 characters, 128 bytes: a two-byte prefix
  '€'.repeat(43), // 129 bytes
  'ab\u00ff',
  '\u0080',
  '\u07ff\u0800\uffff',
  '😀',
  '😀'.repeat(40),
  '\ud800',
  '\udc00',
  'a\ud800',
  '\udbff\udfff',
  '\udfff\ud800',
  'x'.repeat(20) + '\ud83d',
  'tail \u0000 nul',
]

function randomString(rand: () => number): string {
  const len = Math.floor(rand() ** 3 * 300)
  const alphabet = rand() < 0.6 ? [0x20, 0x7e] : [0, 0xffff]
  return String.fromCharCode(...Array.from({ length: len }, () => alphabet[0] + Math.floor(rand() * (alphabet[1] - alphabet[0]))))
}

describe('ByteWriter strings', () => {
  it('writes each string as its UTF-8 length and TextEncoder bytes', () => {
    const rand = seededRandom(3)
    for (const s of [...EDGES, ...Array.from({ length: 500 }, () => randomString(rand))]) {
      const w = new ByteWriter(1) // grows on every path
      w.string(s)
      expect(hex(w.finish()), JSON.stringify(s.slice(0, 40))).toBe(hex(referenceString(s)))
    }
  })

  it('writes a list of strings as string() would, one by one', () => {
    const rand = seededRandom(4)
    const lists = [
      EDGES,
      [],
      [''],
      Array.from({ length: 300 }, (_, i) => `entry-${i}`),
      Array.from({ length: 300 }, (_, i) => (i === 299 ? 'last ü' : `entry-${i}`)),
      Array.from({ length: 300 }, (_, i) => (i % 50 === 0 ? 'y'.repeat(200) : `e${i}`)),
      ...Array.from({ length: 100 }, () => Array.from({ length: Math.floor(rand() * 60) }, () => randomString(rand))),
    ]
    for (const list of lists) {
      const one = new ByteWriter(1)
      for (const s of list) one.string(s)
      const all = new ByteWriter(1)
      all.u8(7) // at an offset
      all.strings(list)
      expect(hex(all.finish().subarray(1)), `${list.length} strings`).toBe(hex(one.finish()))
      const r = new ByteReader(all.finish(), 'test', 1)
      expect(r.strings(list.length)).toEqual(list.map((s) => s.toWellFormed()))
    }
  })
})

describe('ByteWriter varints', () => {
  it('writes 64-bit varints at every byte-length boundary as the reader reads them', () => {
    const values: bigint[] = [0n, 2n ** 64n - 1n]
    for (let bits = 1n; bits < 64n; bits++) values.push(2n ** bits - 1n, 2n ** bits, 2n ** bits + 1n)
    for (const v of values) {
      const w = new ByteWriter(1)
      w.uvarint64(Number(v >> 32n), Number(v & 0xffffffffn))
      const bytes = w.finish()
      expect(bytes.length, `${v}`).toBe(Math.max(1, Math.ceil(v.toString(2).length / 7)))
      const r = new ByteReader(bytes)
      const lo = r.uvarint64Lo()
      expect((BigInt(r.hi) << 32n) | BigInt(lo), `${v}`).toBe(v)
      r.expectEnd()
    }
  })

  it('writes unsigned varints of numbers up to 2^53', () => {
    for (const v of [0, 127, 128, 2 ** 28 - 1, 2 ** 28, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 35 + 3, 2 ** 53 - 1]) {
      const w = new ByteWriter(1)
      w.uvarint(v)
      expect(new ByteReader(w.finish()).uvarint()).toBe(v)
    }
  })
})

describe('blobs written in place', () => {
  it('give the bytes blob() gives, for every prefix size', () => {
    for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 21 + 5]) {
      const content = Uint8Array.from({ length: n }, (_, i) => i * 31)
      const direct = new ByteWriter(1)
      direct.u8(1)
      direct.blob(content)
      const inPlace = new ByteWriter(1)
      inPlace.u8(1)
      const mark = inPlace.beginBlob()
      inPlace.bytes(content)
      inPlace.endBlob(mark)
      expect(inPlace.length, `${n}`).toBe(direct.length)
      expect(Buffer.compare(inPlace.finish(), direct.finish()), `${n}`).toBe(0)
    }
  })
})

describe('withReusedWriter', () => {
  it('hands out an empty writer each time and a separate one to a nested call', () => {
    const first = withReusedWriter((w) => {
      w.string('outer')
      const inner = withReusedWriter((v) => {
        expect(v).not.toBe(w)
        v.string('inner')
        return v.finish().slice()
      })
      w.string('more')
      return { bytes: w.finish().slice(), inner }
    })
    expect(hex(first.inner)).toBe(hex(referenceString('inner')))
    expect(hex(first.bytes)).toBe(hex(referenceString('outer')) + hex(referenceString('more')))
    withReusedWriter((w) => expect(w.length).toBe(0))
  })
})
