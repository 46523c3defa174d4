/**
 * Grouping on dictionary codes (group-keys.ts) gives the groups, group numbers and key values
 * of the general path (each value interned row by row), over batches whose dictionaries differ,
 * repeat entries, leave rows absent, and mix with batches of general values.
 */
import { describe, expect, it } from 'vitest'
import type { Column } from '../storage/index.ts'
import { GroupKeys } from './group-keys.ts'
import { columnVec, type Vec } from './vec.ts'
import { randomColumn, seededRandom } from '../test/support/random-batch.ts'

/** A dictionary column drawn from a few words (entries may repeat), some rows absent. */
function smallDict(rand: () => number, rows: number): Extract<Column, { kind: 'str' }> {
  const words = ['checkout', 'cart', 'pay', '', 'cart']
  const dict = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => words[Math.floor(rand() * words.length)])
  const present = rand() < 0.5 ? undefined : Uint8Array.from({ length: rows }, () => (rand() < 0.8 ? 1 : 0))
  return { kind: 'str', dict, codes: Uint32Array.from({ length: rows }, () => Math.floor(rand() * dict.length)), present }
}

/** The same values as general values: the path that interns each row's value. */
function general(c: Extract<Column, { kind: 'str' }>): Vec {
  return { t: 'any', v: Array.from(c.codes, (code, i) => (c.present === undefined || c.present[i] === 1 ? c.dict[code] : undefined)) }
}

describe('grouping on dictionary codes', () => {
  it('numbers groups as the general path does, for one to three keys, counting rows per group and giving runs', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = seededRandom(seed)
      const keyCount = 1 + (seed % 3)
      const coded = new GroupKeys(keyCount)
      const interned = new GroupKeys(keyCount)
      for (let b = 0; b < 1 + Math.floor(rand() * 4); b++) {
        const rows = 1 + Math.floor(rand() * 400)
        // Large dictionaries (up to 300 entries) make some key combinations too many for a table.
        const columns = Array.from({ length: keyCount }, () => (rand() < 0.7 ? smallDict(rand, rows) : (randomColumn(rand, 'str', rows) as Extract<Column, { kind: 'str' }>)))
        // Some batches of the coded side come as general values, as an attribute may.
        const mixed = rand() < 0.2
        // Sorted codes come in runs, as a block's services do (absent rows scattered through them).
        if (rand() < 0.4) for (const c of columns) c.codes.sort()
        const groups = coded.assign(columns.map((c) => (mixed ? general(c) : columnVec(c, false))), rows)
        expect(groups, `seed ${seed}`).toEqual(interned.assign(columns.map(general), rows))
        const runs = coded.runs
        if (runs !== undefined) {
          // One key in long runs is also handed out as runs, covering the batch.
          const expanded = new Uint32Array(rows)
          for (let r = 0; r < runs.count; r++) expanded.fill(runs.groups[r], runs.starts[r], runs.starts[r + 1])
          expect([runs.starts[runs.count], expanded], `seed ${seed}`).toEqual([rows, groups])
        }
        if (coded.rowsPerGroup !== undefined) {
          const counted = new Float64Array(coded.count)
          for (const g of groups) counted[g]++
          expect(coded.rowsPerGroup, `seed ${seed}`).toEqual(counted)
        }
      }
      expect(coded.values, `seed ${seed}`).toEqual(interned.values)
    }
  })

  it('numbers time keys (bin buckets in any order, or all distinct) as interning each value does', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rand = seededRandom(seed)
      const timed = new GroupKeys(1)
      const interned = new GroupKeys(1)
      // With a second key (per minute and service), ids are folded through the reused arrays.
      const timedPairs = new GroupKeys(2)
      const internedPairs = new GroupKeys(2)
      for (let b = 0; b < 3; b++) {
        const rows = 1 + Math.floor(rand() * 3000)
        const distinct = seed % 2 === 0 ? 60 : 1e9
        // Steps of 2^32 ns differ in the high half alone, minutes mostly in the low half.
        const times = BigInt64Array.from({ length: rows }, () => 1793491200000000000n + BigInt(Math.floor(rand() * distinct)) * (seed % 3 === 0 ? 2n ** 32n : 60_000_000_000n))
        const groups = timed.assign([{ t: 'time', v: times }], rows)
        expect(groups, `seed ${seed}`).toEqual(interned.assign([{ t: 'any', v: Array.from(times) }], rows))
        const codes = Uint32Array.from({ length: rows }, () => Math.floor(rand() * 3))
        const dict = ['cart', 'checkout', 'payment']
        const pairs = timedPairs.assign([{ t: 'time', v: times }, { t: 'str', dict, codes }], rows)
        expect(pairs, `seed ${seed}`).toEqual(internedPairs.assign([{ t: 'any', v: Array.from(times) }, { t: 'any', v: Array.from(codes, (c) => dict[c]) }], rows))
      }
      expect(timed.values, `seed ${seed}`).toEqual(interned.values)
      expect(timedPairs.values, `seed ${seed}`).toEqual(internedPairs.values)
    }
  })

  it('puts absent values in a group of their own, apart from the empty string', () => {
    const keys = new GroupKeys(1)
    const column: Column = { kind: 'str', dict: ['', 'a'], codes: Uint32Array.of(0, 1, 0, 1), present: Uint8Array.of(1, 1, 0, 0) }
    expect([...keys.assign([columnVec(column, false)], 4)]).toEqual([0, 1, 2, 2])
    expect(keys.values).toEqual([[''], ['a'], [null]])
  })
})
