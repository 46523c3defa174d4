/**
 * Golden scripts for the language, one per area of LANGUAGE.md (query/testdata/*.test), in
 * the manner of Prometheus's promqltest: each `eval` runs a query on the hand-made fixture
 * (testdata/fixture.ts) and lists the expected result, a header of column names and one line
 * per row, cells separated by ` | `.
 *
 *     eval spans | stats count() by status       rows in any order
 *     eval ordered spans | sort duration          rows in this order
 *     eval error UNKNOWN_NAME spans | stats p98(duration)
 *       <text the error message contains>
 *     set start 2026-11-01T00:00:00Z              API range (start, end) and now, for what follows
 *
 * Cells: `null` is absent; times show as RFC 3339, ids as hex, numbers as JavaScript prints them.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../storage/index.ts'
import type { QueryOptions } from './engine.ts'
import { parseTime } from './lexer.ts'
import { BothWays } from './testdata/both-ways.ts'
import { fixtureStore } from './testdata/fixture.ts'

interface Case {
  readonly line: number
  readonly query: string
  readonly mode: 'rows' | 'ordered' | 'error'
  readonly code?: string
  readonly expected: readonly string[]
  readonly options: Partial<QueryOptions>
}

const DIR = join(import.meta.dirname, 'testdata')

function parse(text: string, file: string): Case[] {
  const lines = text.split('\n')
  const cases: Case[] = []
  const options: Partial<QueryOptions> = {}
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    if (line.trim() === '' || line.startsWith('#')) continue
    const set = /^set (start|end|now) (\S+)$/.exec(line)
    if (set !== null) {
      options[set[1] as 'start' | 'end' | 'now'] = parseTime(set[2])
      continue
    }
    const m = /^eval(?: (ordered|error ([A-Z_]+)))? (.+)$/.exec(line)
    if (m === null) throw new Error(`${file}:${i + 1}: expected "eval", "eval ordered", "eval error CODE" or "set", got ${JSON.stringify(line)}`)
    const expected: string[] = []
    while (i + 1 < lines.length && lines[i + 1].startsWith('  ')) expected.push(lines[++i].trim())
    const mode = m[1] === undefined ? 'rows' : m[1] === 'ordered' ? 'ordered' : 'error'
    cases.push({ line: i + 1 - expected.length, query: m[3], mode, code: m[2], expected, options: { ...options } })
  }
  return cases
}

const cell = (v: unknown): string => (v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v))
const tidy = (row: string): string => row.split('|').map((c) => c.trim()).join(' | ')

let store: Store
// Every script case runs in-process and on a query thread, with the same answer or error.
const ways = new BothWays()
afterAll(() => ways.close())
beforeAll(async () => {
  store = await fixtureStore()
  ways.open(store)
})

for (const file of readdirSync(DIR).filter((f) => f.endsWith('.test')).sort()) {
  describe(file, () => {
    for (const c of parse(readFileSync(join(DIR, file), 'utf8'), file)) {
      it(`line ${c.line}: ${c.query}`, async () => {
        if (c.mode === 'error') {
          const error = await ways.run(c.query, c.options).catch((e: unknown) => e)
          expect(error, 'expected an error').toBeInstanceOf(Error)
          expect((error as { code?: string }).code).toBe(c.code)
          for (const text of c.expected) expect((error as Error).message).toContain(text)
          return
        }
        const r = await ways.run(c.query, c.options)
        const got = [r.columns.map((col) => col.name).join(' | '), ...r.rows.map((row) => row.map(cell).join(' | '))]
        const want = c.expected.map(tidy)
        if (c.mode === 'rows') {
          expect([got[0], ...got.slice(1).sort()]).toEqual([want[0], ...want.slice(1).sort()])
        } else expect(got).toEqual(want)
      })
    }
  })
}
