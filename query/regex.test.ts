/**
 * `matches` patterns: RE2 syntax and errors, linear time on the patterns that make a
 * backtracking engine run for hours, and the fast subset agreeing with RE2 on every text.
 */
import { RE2JS } from 're2js'
import { describe, expect, it } from 'vitest'
import { QueryError } from './errors.ts'
import { compilePattern } from './regex.ts'
import { subsetSource } from './regex-subset.ts'

describe('compilePattern', () => {
  it('accepts RE2 syntax and matches unanchored', () => {
    const f = (pattern: string, text: string, want: boolean) => expect(compilePattern(pattern).test(text), `${pattern} on ${JSON.stringify(text)}`).toBe(want)
    f('conn(ection)? reset', 'upstream connection reset by peer', true)
    f('conn(ection)? reset', 'conn reset', true)
    f('conn(ection)? reset', 'connect reset', false)
    f('^pay.* [0-9]+ms$', 'payment took 734ms', true)
    f('(?i)TIMEOUT', 'request timeout', true)
    f('\\bfoo\\b', 'a foo b', true)
    f('\\bfoo\\b', 'afoob', false)
    f('[[:digit:]]{3}', 'status 503', true)
    f('\\pL+\\d', 'é1', true)
    f('a.b', 'a\nb', false)
    f('(?s)a.b', 'a\nb', true)
    f('a$', 'a\n', false)
    f('\\Q1+1\\E', 'is 1+1 two', true)
  })

  it('runs the patterns that make backtracking engines exponential in linear time', () => {
    // Each of these takes longer than the age of the universe with a backtracking engine.
    for (const [pattern, text] of [
      ['^(a+)+$', 'a'.repeat(35) + '!'],
      ['^(a|a)*$', 'a'.repeat(40) + '!'],
      ['(x+x+)+y', 'x'.repeat(5000)],
      ['^(\\w+\\s?)*$', 'word '.repeat(2000) + '!'],
      ['(.*a){20}', 'a'.repeat(40)],
    ]) {
      const p = compilePattern(pattern)
      expect(p.engine, pattern).toBe('re2')
      p.test(text)
      p.test(text.repeat(20))
    }
  })

  it('answers INVALID_ARGUMENT for what RE2 does not accept, saying what is supported', () => {
    const bad = (pattern: string, reason: string) => {
      const error = (() => {
        try {
          compilePattern(pattern, { line: 2, column: 7 })
        } catch (e) {
          return e
        }
      })()
      expect(error, pattern).toBeInstanceOf(QueryError)
      const e = error as QueryError
      expect([e.code, e.line, e.column]).toEqual(['INVALID_ARGUMENT', 2, 7])
      expect(e.message).toContain(`cannot compile regular expression ${JSON.stringify(pattern)}: ${reason}`)
      expect(e.message).toContain('RE2 syntax, without backreferences or lookaround')
    }
    bad('(', 'missing closing )')
    bad('(?=a)b', 'invalid or unsupported Perl syntax')
    bad('(?!a)b', 'invalid or unsupported Perl syntax')
    bad('(a)\\1', 'invalid escape sequence')
    bad('a**', 'invalid nested repetition operator')
    bad('a{1001}', 'invalid repeat count')
    bad('('.repeat(2000) + ')'.repeat(2000), 'expression nests too deeply')
  })
})

describe('the fast subset', () => {
  it('runs common patterns as a RegExp and leaves unbounded repetition to RE2', () => {
    for (const p of ['timeout', 'conn(ection)? reset', 'status=5\\d\\d', '^2026-11-01T00:00:1\\d', 'user=u(12|34|56)\\b', 'error|warn', '[a-f0-9]{8}', 'x{2,5}y']) {
      expect(compilePattern(p).engine, p).toBe('regexp')
    }
    for (const p of ['a+', '.*x', 'a{2,}', '(?i)x', '\\pL', '[[:alpha:]]', '\\x41', '(a|b|c|d){8}', 'a'.repeat(1025)]) {
      expect(compilePattern(p).engine, p).toBe('re2')
    }
  })

  it('agrees with RE2 on random patterns and texts (seeded)', () => {
    let seed = Number(process.env.BLAZEDB_FUZZ_SEED ?? 7)
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
      return (seed >>> 8) % n
    }
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]
    const atoms = ['a', 'b', 'c', '.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\.', '\\-', '[ab]', '[^a]', '[a-c\\d]', '[]a]', '[-a]', '\\n', ' ', '1', 'é', '\\b', '\\B', '^', '$', '😀', '[\\s.]']
    const gen = (depth: number): string => {
      const parts: string[] = []
      const len = 1 + rand(4)
      for (let i = 0; i < len; i++) {
        let atom = depth < 3 && rand(4) === 0 ? `(${rand(2) === 0 ? '?:' : ''}${gen(depth + 1)})` : pick(atoms)
        const q = rand(6)
        if (q === 0) atom += '?'
        else if (q === 1) atom += `{${rand(3)}}`
        else if (q === 2) atom += `{${rand(2)},${2 + rand(2)}}${rand(2) === 0 ? '?' : ''}`
        parts.push(atom)
      }
      return parts.join('') + (rand(5) === 0 ? `|${gen(depth + 1)}` : '')
    }
    const alphabet = ['a', 'b', 'c', '1', ' ', '\n', '\r', '.', '-', 'é', '😀', '\t', '\u2028', ']', '\v']
    let fast = 0
    for (let k = 0; k < 1500; k++) {
      const pattern = gen(0)
      let re2: RE2JS
      try {
        re2 = RE2JS.compile(pattern)
      } catch {
        continue
      }
      const source = subsetSource(pattern)
      if (source === undefined) continue
      fast++
      const re = new RegExp(source, 'u')
      for (let t = 0; t < 20; t++) {
        const text = Array.from({ length: rand(8) }, () => pick(alphabet)).join('')
        expect(re.test(text), `${pattern} (as /${source}/u) on ${JSON.stringify(text)}`).toBe(re2.test(text))
      }
    }
    expect(fast).toBeGreaterThan(500)
  })
})
