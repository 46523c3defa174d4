/**
 * String filters over big dictionaries keep their match tables per dictionary
 * (eval-compare.ts): a filter run again, other filters in between, and a dictionary that grew
 * meanwhile all give the masks of matching every row's string afresh. An i64 column compared
 * with a number gives the masks of comparing its values made doubles.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom } from '../test/support/random-batch.ts'
import { compareVec, i64Const, matchScalar, type MatchOp } from './eval-compare.ts'
import { toDoubles } from './i64.ts'
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

describe('comparisons of i64 numbers with a number', () => {
  it('give the masks of comparing their doubles, for every operator, present or not', () => {
    const rand = seededRandom(7)
    const edges = [0n, 1n, -1n, 499n, 500n, 501n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 4294967295n, 4294967296n, -4294967296n]
    const n = 4_000
    const values = BigInt64Array.from({ length: n }, (_, i) => (i < edges.length ? edges[i] : rand() < 0.5 ? BigInt(Math.floor(rand() * 1000)) : BigInt.asIntN(64, BigInt(Math.floor(rand() * 2 ** 32)) * BigInt(Math.floor(rand() * 2 ** 32)))))
    const p = Uint8Array.from({ length: n }, () => (rand() < 0.8 ? 1 : 0))
    const ops = ['=', '!=', '<', '<=', '>', '>='] as const
    for (const present of [undefined, p]) {
      const doubles: Vec = { t: 'num', v: toDoubles(values), p: present }
      for (const c of [500, 499.5, 0, -1, 2 ** 53, 2 ** 63, -(2 ** 63), 1e300]) {
        for (const op of ops) expect(Array.from(i64Const(op, values, present, c)), `${op} ${c}`).toEqual(Array.from(compareVec(op, doubles, { t: 'const', value: c, type: 'number' }, n)))
      }
    }
  })
})
