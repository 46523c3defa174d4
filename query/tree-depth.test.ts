/**
 * The nesting limit: deeply nested text is a 400 saying so (never a stack overflow), and a
 * query just inside the limit goes through every recursive pass: parse, print, plan, type
 * check, evaluation (where, select, stats, sort, join keys) and the HTTP API.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../storage/index.ts'
import type { Expr, QueryNode } from './ast.ts'
import { createQueryApi } from './api.ts'
import { runQuery } from './engine.ts'
import { QueryError } from './errors.ts'
import { MAX_JOIN_DEPTH, MAX_QUERY_DEPTH, MAX_QUERY_LENGTH } from './limits.ts'
import { parseExpression, parseQuery } from './parser.ts'
import { printQuery } from './printer.ts'
import { fixtureStore } from './testdata/fixture.ts'
import { checkDepth } from './tree-depth.ts'

let store: Store
beforeAll(async () => {
  store = await fixtureStore()
})

/** Queries nesting `n` levels in each way the language allows. */
const SHAPES: Record<string, (n: number) => string> = {
  parentheses: (n) => `spans | where ${'('.repeat(n)}duration > 1${')'.repeat(n)}`,
  'left chain of +': (n) => `spans | where duration${' + 1'.repeat(n)} > 1`,
  'chain of or': (n) => `spans | where ${Array.from({ length: n }, (_, i) => `duration > ${i}`).join(' or ')}`,
  'not not': (n) => `spans | where ${'not '.repeat(n)}duration > 1`,
  'negations': (n) => `spans | where ${'-'.repeat(n)}duration < 1`,
  'right chain of +': (n) => `spans | where ${'(1 + '.repeat(n)}duration${')'.repeat(n)} > 1`,
  'function calls': (n) => `spans | where ${'lower('.repeat(n)}name${')'.repeat(n)} = "x"`,
  'stats and sort': (n) => `spans | stats sum(duration${' + 1'.repeat(n)}) as s by name | sort s${' + 1'.repeat(n)}`,
}

function depthOf(tree: object): number {
  let deepest = 0
  const walk = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return
    const d = typeof (value as { kind?: unknown }).kind === 'string' ? depth + 1 : depth
    deepest = Math.max(deepest, d)
    for (const child of Object.values(value)) walk(child, d)
  }
  walk(tree, 0)
  return deepest
}

/** The error of `fn`, which must throw a QueryError. */
function errorOf(fn: () => unknown): QueryError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(QueryError)
    return e as QueryError
  }
  throw new Error('expected an error')
}

describe('nesting limit', () => {
  it('refuses 20,000 levels of each kind with SYNTAX, line and column, under the text limit', () => {
    for (const [name, make] of Object.entries(SHAPES)) {
      let n = 20_000
      while (make(n).length > MAX_QUERY_LENGTH) n = Math.floor(n * 0.9)
      expect(n, name).toBeGreaterThan(MAX_QUERY_DEPTH * 4)
      const text = make(n)
      const e = errorOf(() => parseQuery(text))
      expect(e.code, name).toBe('SYNTAX')
      expect(e.message, name).toContain(`cannot parse query: it nests deeper than ${MAX_QUERY_DEPTH} levels`)
      expect(e.line, name).toBe(1)
      expect(e.column, name).toBeGreaterThan(0)
    }
    expect(SHAPES.parentheses(20_000).length).toBeLessThan(MAX_QUERY_LENGTH)
  })

  it('the limit is exact for parentheses', () => {
    // Query, where, > and the field are 3 tree levels around the parentheses' own count.
    expect(() => parseQuery(SHAPES.parentheses(MAX_QUERY_DEPTH))).not.toThrow()
    const e = errorOf(() => parseQuery(SHAPES.parentheses(MAX_QUERY_DEPTH + 1)))
    expect([e.code, e.column]).toEqual(['SYNTAX', 15 + MAX_QUERY_DEPTH])
  })

  it('a query just inside the limit goes through every pass', async () => {
    for (const [name, make] of Object.entries(SHAPES)) {
      // The deepest query of this shape that is accepted.
      let n = MAX_QUERY_DEPTH + 1
      let tree: QueryNode | undefined
      while (tree === undefined && n-- > 0) {
        try {
          tree = parseQuery(make(n))
        } catch (e) {
          if ((e as QueryError).code !== 'SYNTAX') throw e
        }
      }
      // Within a few levels of the limit: the source, stages and operands around the nesting.
      expect(n, name).toBeGreaterThan(MAX_QUERY_DEPTH / 2 - 8)
      const text = printQuery(tree!)
      expect(depthOf(parseQuery(text)), name).toBe(depthOf(tree!))
      const result = await runQuery(text, { store })
      expect(result.rows.length, name).toBeGreaterThanOrEqual(0)
      await runQuery(tree!, { store })
    }
  })

  it('joins nest at most MAX_JOIN_DEPTH deep (planning doubles with each level)', async () => {
    const joins = (n: number) => `spans${' | join (spans | where duration > 1'.repeat(n)}${') as j on trace_id'.repeat(n)} | limit 1`
    const result = await runQuery(joins(MAX_JOIN_DEPTH), { store })
    expect(result.rows.length).toBeLessThanOrEqual(1)
    const e = errorOf(() => parseQuery(joins(MAX_JOIN_DEPTH + 1)))
    expect([e.code, e.message]).toEqual(['SYNTAX', `cannot parse query: joins nest deeper than ${MAX_JOIN_DEPTH} levels inside the right sides of joins`])
    expect(errorOf(() => parseQuery(joins(5000))).code).toBe('SYNTAX')
  })

  it('expressions and client-built trees are checked too', async () => {
    expect(errorOf(() => parseExpression(`${'('.repeat(5000)}1${')'.repeat(5000)}`)).code).toBe('SYNTAX')
    let deep: Expr = { kind: 'Field', path: ['duration'], at: 0 }
    for (let i = 0; i < 20_000; i++) deep = { kind: 'Binary', op: '+', left: deep, right: { kind: 'Literal', type: 'number', value: 1, at: 0 }, at: 0 }
    const tree: QueryNode = { kind: 'Query', source: { kind: 'SignalSource', signal: 'spans', at: 0 }, stages: [{ kind: 'Where', predicate: { kind: 'Binary', op: '>', left: deep, right: deep, at: 0 }, at: 0 }], at: 0 }
    const e = await runQuery(tree, { store }).then(() => undefined, (x: unknown) => x)
    expect((e as QueryError).code).toBe('SYNTAX')
    expect(() => checkDepth(tree)).toThrow(/nests deeper than/)
  })

  it('the HTTP API answers 400, not 500', async () => {
    const app = createQueryApi({ store })
    const res = await app.request('/api/v1/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SHAPES.parentheses(20_000) }) })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'SYNTAX', line: 1, column: 15 + MAX_QUERY_DEPTH })
  })
})
