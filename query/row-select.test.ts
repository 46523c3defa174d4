/**
 * The executor's time-range filter (row-select.ts): a block wholly inside the range passes as
 * it is, on first sight and when seen again (its extent is remembered), and any other keeps
 * exactly its rows inside.
 */
import { describe, expect, it } from 'vitest'
import type { Batch } from '../storage/index.ts'
import { pickCoded, rangeMask, selectCoded, selectRows } from './row-select.ts'
import { seededRandom } from '../test/support/random-batch.ts'

describe('time-range filter', () => {
  it('keeps exactly the rows in [start, end), passing wholly inside blocks unchanged', () => {
    const rand = seededRandom(9)
    const t0 = 1793491200000000000n
    for (let round = 0; round < 200; round++) {
      const times = BigInt64Array.from({ length: 1 + Math.floor(rand() * 50) }, () => t0 + BigInt(Math.floor(rand() * 1e12)))
      const present = rand() < 0.2 ? Uint8Array.from(times, () => (rand() < 0.9 ? 1 : 0)) : undefined
      const batch: Batch = { signal: 'spans', length: times.length, columns: { startTimeUnixNano: { kind: 'i64', values: times, present } } }
      const start = rand() < 0.2 ? undefined : t0 + BigInt(Math.floor(rand() * 3e11)) - 100_000_000_000n
      const end = rand() < 0.2 ? undefined : t0 + BigInt(Math.floor(rand() * 3e11)) + 800_000_000_000n
      const want = [...times].filter((t, i) => (present === undefined || present[i] === 1) && (start === undefined || t >= start) && (end === undefined || t < end))
      for (let seen = 0; seen < 2; seen++) {
        const kept = selectRows(batch, rangeMask({ t: 'time', v: times, p: present }, start, end, times.length))
        const column = kept?.columns.startTimeUnixNano
        const got = column?.kind === 'i64' ? [...column.values] : []
        expect(got, `round ${round}`).toEqual(want)
        if (want.length === times.length) expect(kept).toBe(batch)
      }
    }
  })

  it('selects exactly the rows of a mask, sparse or dense, whatever its length and offset', () => {
    const rand = seededRandom(10)
    for (let round = 0; round < 300; round++) {
      const n = Math.floor(rand() * 70)
      const density = [0, 0.02, 0.5, 1][round % 4]
      const buffer = Uint8Array.from({ length: n + 3 }, () => (rand() < density ? 1 : 0))
      const mask = buffer.subarray(round % 3, round % 3 + n)
      const batch: Batch = { signal: 'spans', length: n, columns: { x: { kind: 'u32', values: Uint32Array.from({ length: n }, (_, i) => i) } } }
      const want = [...mask.keys()].filter((i) => mask[i] === 1)
      const kept = selectRows(batch, mask)
      const column = kept?.columns.x
      expect(column?.kind === 'u32' ? [...column.values] : [], `round ${round}`).toEqual(want)
      if (n > 0 && want.length === n) expect(kept).toBe(batch)
    }
  })

  it('selects by code the rows a mask of the same condition selects', () => {
    const rand = seededRandom(12)
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(rand() * 200)
      const table = Uint8Array.from({ length: 1 + Math.floor(rand() * 8) }, () => (rand() < [0, 0.1, 0.5, 1][round % 4] ? 1 : 0))
      const codes = Uint32Array.from({ length: n }, () => Math.floor(rand() * table.length))
      const p = rand() < 0.5 ? undefined : Uint8Array.from({ length: n }, () => (rand() < 0.8 ? 1 : 0))
      const batch: Batch = { signal: 'spans', length: n, columns: { x: { kind: 'u32', values: Uint32Array.from({ length: n }, (_, i) => i) } } }
      const mask = Uint8Array.from(codes, (c, i) => table[c] & (p?.[i] ?? 1))
      const [coded, masked] = [selectCoded(batch, { codes, p, table }), selectRows(batch, mask)]
      expect(coded?.columns, `round ${round}`).toEqual(masked?.columns)
      expect(coded === batch, `round ${round}`).toBe(masked === batch)
    }
  })

  it('picks the same rows again from a rare pick it kept, whichever tables and presence come in turn', () => {
    const rand = seededRandom(13)
    const n = 5000
    // Code 3 is rare (about one row in fifty), codes 0 to 2 are not.
    const codes = Uint32Array.from({ length: n }, () => (rand() < 0.02 ? 3 : Math.floor(rand() * 3)))
    const present = Uint8Array.from({ length: n }, () => (rand() < 0.9 ? 1 : 0))
    const batch: Batch = { signal: 'spans', length: n, columns: { x: { kind: 'u32', values: Uint32Array.from({ length: n }, (_, i) => i) } } }
    const tables = [Uint8Array.of(0, 0, 0, 1), Uint8Array.of(0, 1, 0, 0), Uint8Array.of(0, 0, 0, 1, 0), Uint8Array.of(1, 0, 0, 1), Uint8Array.of(0, 0, 0, 0)]
    for (let round = 0; round < 30; round++) {
      const table = tables[round % tables.length]
      const p = round % 3 === 0 ? present : undefined
      const want = [...codes.keys()].filter((i) => table[codes[i]] === 1 && (p?.[i] ?? 1) === 1)
      const picked = pickCoded({ codes, p, table }, n)
      expect([...picked], `round ${round}`).toEqual(want)
      const kept = selectCoded(batch, { codes, p, table })?.columns.x
      expect(kept?.kind === 'u32' ? [...kept.values] : [], `round ${round}`).toEqual(want)
    }
    // A rare pick is kept: asked again, the same array comes back.
    expect(pickCoded({ codes, table: tables[0] }, n)).toBe(pickCoded({ codes, table: Uint8Array.from(tables[0]) }, n))
  })
})
