/**
 * Matches decided on UTF-8 bytes say what the string matches say, entry by entry: needles that
 * occur at starts and ends, several times, across two entries, in non-ASCII text, empty ones.
 */
import { describe, expect, it } from 'vitest'
import { utf8Column, type Batch, type Utf8Strings } from '../storage/index.ts'
import { seededRandom } from '../test/support/random-batch.ts'
import type { CallNode } from './ast.ts'
import { compareVec, matchScalar } from './eval-compare.ts'
import type { EvalContext } from './eval-context.ts'
import { callScalar } from './fn-scalar.ts'
import { parseExpression } from './parser.ts'
import { utf8Table } from './utf8-match.ts'
import { cell, columnVec, type Vec } from './vec.ts'

function utf8Of(dict: readonly string[]): Utf8Strings {
  const parts = dict.map((s) => Buffer.from(s, 'utf8'))
  const offsets = new Uint32Array(dict.length + 1)
  parts.forEach((p, d) => (offsets[d + 1] = offsets[d] + p.length))
  const bytes = new Uint8Array(Buffer.concat(parts))
  return { bytes, offsets, ascii: bytes.every((b) => b < 0x80) }
}

const OPS = ['contains', 'not contains', 'startswith', 'not startswith', 'endswith', 'not endswith', '=', '!='] as const

function f(dict: readonly string[], needle: string): void {
  const strings = utf8Of(dict)
  for (const op of OPS) {
    const want = dict.map((x) => (matchScalar(op, x, needle) ? 1 : 0))
    expect([...utf8Table(op, strings, needle)!], `${op} ${JSON.stringify(needle)} in ${JSON.stringify(dict)}`).toEqual(want)
  }
}

describe('utf8Table', () => {
  it('agrees with the string matches on chosen cases', () => {
    f(['timeout', 'a timeout b', 'time', 'out', 'timeouttimeout', '', 'xtimeout'], 'timeout')
    f(['abab', 'ab', 'b', 'a', 'bab', ''], 'ab')
    f(['ab', 'ab', 'ab'], 'b')
    f(['aa', 'a', 'aaa'], 'aa')
    f(['é', 'café', 'cafe', 'e', '日本語', '本'], 'é')
    f(['日本語', '本', '語日'], '語')
    f(['', 'x', ''], '')
    f(['tim', 'eout', 'timeout'], 'timeout')
  })

  it('agrees with the string matches on random dictionaries', () => {
    const rand = seededRandom(7)
    const alphabet = ['a', 'b', 'ab', 'é', '日', ' ']
    const word = (max: number) => Array.from({ length: Math.floor(rand() * max) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('')
    for (let k = 0; k < 300; k++) f(Array.from({ length: 1 + Math.floor(rand() * 12) }, () => word(6)), word(3))
  })

  it('leaves to strings what bytes do not decide', () => {
    const strings = utf8Of(['a'])
    expect(utf8Table('<', strings, 'a')).toBeUndefined()
    expect(utf8Table('matches', strings, 'a')).toBeUndefined()
    expect(utf8Table('=', strings, 5)).toBeUndefined()
    // Encoded, a lone surrogate would become the U+FFFD a stored string may hold.
    expect(utf8Table('contains', utf8Of(['\ufffd']), '\ud800')).toBeUndefined()
  })
})

describe('string vectors over UTF-8 bytes', () => {
  const dict = ['Timeout calling Cart', 'TIMEOUT', 'ok', 'Ünïcode TimeOut', '', 'retry: timeout']
  const codes = Uint32Array.from({ length: 40 }, (_, i) => (i * 7) % dict.length)
  const p = Uint8Array.from({ length: 40 }, (_, i) => (i % 9 === 0 ? 0 : 1))
  const asStrings: Vec = { t: 'str', dict, codes, p }
  const vecs = (d: readonly string[]): Vec[] => {
    const inDict = codes.map((c) => c % d.length)
    return [columnVec(utf8Column(utf8Of(d), inDict, p), false), { t: 'str', dict: d, codes: inDict, p }]
  }
  const rows = (v: Vec) => Array.from({ length: 40 }, (_, i) => cell(v, i))

  it('filter, and give cells, as strings do', () => {
    const [bytes] = vecs(dict)
    expect(rows(bytes)).toEqual(rows(asStrings))
    for (const op of ['contains', 'not contains', 'startswith', 'endswith', '=', '!='] as const) {
      for (const value of ['Timeout', 'timeout', 'TIMEOUT', '', 'ok']) {
        const want = compareVec(op, asStrings, { t: 'const', value, type: 'string' }, 40)
        expect(compareVec(op, bytes, { t: 'const', value, type: 'string' }, 40), `${op} ${value}`).toEqual(want)
      }
    }
  })

  it('lower, upper and len of ASCII bytes give what they give of the strings', () => {
    const ascii = dict.filter((s) => /^[\x00-\x7f]*$/.test(s))
    const [bytes, strings] = vecs(ascii)
    const batch: Batch = { signal: 'logs', length: 40, columns: {} }
    for (const fn of ['lower', 'upper', 'len']) {
      const call = parseExpression(`${fn}(body)`) as CallNode
      const got = callScalar(call, batch, {} as EvalContext, () => bytes)
      expect(rows(got), fn).toEqual(rows(callScalar(call, batch, {} as EvalContext, () => strings)))
      if (fn !== 'len') expect((got as Extract<Vec, { t: 'str' }>).utf8, `${fn} stays bytes`).toBeDefined()
    }
  })
})
