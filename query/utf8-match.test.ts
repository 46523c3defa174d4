/**
 * Matches decided on UTF-8 bytes say what the string matches say, entry by entry: needles that
 * occur at starts and ends, several times, across two entries, in non-ASCII text, empty ones.
 */
import { describe, expect, it } from 'vitest'
import type { Utf8Strings } from '../storage/index.ts'
import { seededRandom } from '../test/support/random-batch.ts'
import { matchScalar } from './eval-compare.ts'
import { utf8Table } from './utf8-match.ts'

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
  })
})
