/**
 * String filters over big dictionaries keep their match tables per dictionary
 * (eval-compare.ts): a filter run again, other filters in between, and a dictionary that grew
 * meanwhile all give the masks of matching every row's string afresh.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../test/support/random-batch.ts'
import { compareVec, matchScalar, type MatchOp } from './eval-compare.ts'
import { DICT_TABLE_MIN_ENTRIES, DICT_TABLES_PER_DICT } from './limits.ts'
import type { Vec } from './vec.ts'

const WORDS = ['timeout', 'error', 'ok', 'retry', 'lock', 'db', 'cache']

function bodies(rand: () => number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${WORDS[Math.floor(rand() * WORDS.length)]} ${i} ${WORDS[Math.floor(rand() * WORDS.length)]}`)
}

/** The mask of matching each row's string, one by one. */
function expected(op: MatchOp, v: Extract<Vec, { t: 'str' }>, value: string): number[] {
  return Array.from(v.codes, (c, i) => (v.p !== undefined && v.p[i] !== 1 ? 0 : matchScalar(op, v.dict[c], value) ? 1 : 0))
}

describe('string filters on big dictionaries', () => {
  it('give the same masks when run again, after other filters, and after the dictionary grew', () => {
    const rand = seededRandom(21)
    const dict = bodies(rand, DICT_TABLE_MIN_ENTRIES * 2)
    const n = 5_000
    const codes = Uint32Array.from({ length: n }, () => Math.floor(rand() * dict.length))
    const p = Uint8Array.from({ length: n }, () => (rand() < 0.9 ? 1 : 0))
    const v: Extract<Vec, { t: 'str' }> = { t: 'str', dict, codes, p }
    const filters: [MatchOp, string][] = [
      ['contains', 'timeout'],
      ['not contains', 'timeout'],
      ['startswith', 'error'],
      ['endswith', 'lock'],
      ['=', dict[7]],
      ['contains', 'retry'],
    ]
    expect(filters.length).toBeGreaterThan(DICT_TABLES_PER_DICT)
    const check = (op: MatchOp, value: string) => {
      const mask = compareVec(op, v, { t: 'const', value, type: 'string' }, n)
      expect(Array.from(mask)).toEqual(expected(op, v, value))
    }
    for (let round = 0; round < 3; round++) {
      for (const [op, value] of filters) {
        check(op, value)
        check(op, value)
      }
      check('contains', 'timeout')
      // Entries are appended while a dictionary is being written; rows may then use them.
      for (const body of bodies(rand, 300)) dict.push(body)
      for (let i = 0; i < n; i += 3) codes[i] = Math.floor(rand() * dict.length)
      check('contains', 'timeout')
    }
  })
})
