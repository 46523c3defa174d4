/**
 * The id filter of hash joins (join-hash.ts) drops only probe rows that cannot match: the
 * pairs equal those of comparing every row with every row, for id keys of two widths, absent
 * (all-zero) ids, duplicates on both sides, and keys mixing ids with strings.
 */
import { describe, expect, it } from 'vitest'
import { index, probe, sameKeys } from './join-hash.ts'
import type { Vec } from './vec.ts'
import { seededRandom } from '../test/support/random-batch.ts'

/** `n` ids of `width` bytes drawn from `pool` distinct ones; some all-zero (absent). */
function ids(rand: () => number, n: number, width: number, pool: Uint8Array[]): Vec {
  const v = new Uint8Array(n * width)
  for (let i = 0; i < n; i++) if (rand() > 0.05) v.set(pool[Math.floor(rand() * pool.length)], i * width)
  const p = new Uint8Array(n)
  for (let i = 0; i < n; i++) p[i] = v.subarray(i * width, i * width + width).some((b) => b !== 0) ? 1 : 0
  return { t: 'id', w: width, v, p }
}

function pool(rand: () => number, count: number, width: number): Uint8Array[] {
  return Array.from({ length: count }, () => Uint8Array.from({ length: width }, () => Math.floor(rand() * 256)))
}

function strs(rand: () => number, n: number): Vec {
  return { t: 'str', dict: ['a', 'b', 'c'], codes: Uint32Array.from({ length: n }, () => Math.floor(rand() * 3)) }
}

function pairsOf(left: Vec[], nl: number, right: Vec[], nr: number): string[] {
  const ix = index(left, nl)
  const out: string[] = []
  for (const chunk of probe(ix, right, nr)) chunk.probe.forEach((r, k) => out.push(`${r}:${chunk.indexed[k]}`))
  return out.sort()
}

function bruteForce(left: Vec[], nl: number, right: Vec[], nr: number): string[] {
  const present = (keys: Vec[], i: number) => keys.every((v) => v.t !== 'id' || v.p === undefined || v.p[i] === 1)
  const out: string[] = []
  for (let r = 0; r < nr; r++) for (let l = 0; l < nl; l++) if (present(right, r) && present(left, l) && sameKeys(right, r, left, l)) out.push(`${r}:${l}`)
  return out.sort()
}

describe('hash join id filter', () => {
  it('finds exactly the matching pairs of trace and span ids', () => {
    const rand = seededRandom(7)
    const traces = pool(rand, 40, 16)
    const spans = pool(rand, 300, 8)
    const left = [ids(rand, 200, 16, traces), ids(rand, 200, 8, spans)]
    const right = [ids(rand, 3000, 16, traces), ids(rand, 3000, 8, spans)]
    const expected = bruteForce(left, 200, right, 3000)
    expect(expected.length).toBeGreaterThan(0)
    expect(pairsOf(left, 200, right, 3000)).toEqual(expected)
  })

  it('finds the same pairs when ids sit at unaligned offsets or are marked absent by a mask', () => {
    const rand = seededRandom(13)
    const traces = pool(rand, 25, 16)
    const spans = pool(rand, 120, 8)
    const shifted = (v: Vec): Vec => {
      if (v.t !== 'id') return v
      const bytes = new Uint8Array(v.v.length + 1)
      bytes.set(v.v, 1)
      // Absent rows keep bytes of an id: only the mask says they have none.
      const p = v.p === undefined ? undefined : Uint8Array.from(v.p, (x, i) => (i % 9 === 0 ? 0 : x))
      return { ...v, v: bytes.subarray(1), p }
    }
    const left = [ids(rand, 150, 16, traces), ids(rand, 150, 8, spans)]
    const right = [ids(rand, 2500, 16, traces), ids(rand, 2500, 8, spans)].map(shifted)
    const expected = bruteForce(left, 150, right, 2500)
    expect(expected.length).toBeGreaterThan(0)
    expect(pairsOf(left, 150, right, 2500)).toEqual(expected)
    expect(pairsOf(right, 2500, left, 150)).toEqual(bruteForce(right, 2500, left, 150))
  })

  it('finds exactly the matching pairs when keys mix ids and strings', () => {
    const rand = seededRandom(11)
    const traces = pool(rand, 30, 4)
    const left = [strs(rand, 150), ids(rand, 150, 4, traces)]
    const right = [strs(rand, 2000), ids(rand, 2000, 4, traces)]
    const expected = bruteForce(left, 150, right, 2000)
    expect(expected.length).toBeGreaterThan(0)
    expect(pairsOf(left, 150, right, 2000)).toEqual(expected)
  })

  it('matches nothing when the ids differ in width', () => {
    const rand = seededRandom(3)
    const left = [ids(rand, 50, 16, pool(rand, 5, 16))]
    const right = [ids(rand, 50, 8, pool(rand, 5, 8))]
    expect(pairsOf(left, 50, right, 50)).toEqual([])
  })
})
