/**
 * `blazedb query` against a running query API (a real server on a free port) and its three
 * output formats.
 */
import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { render, runQueryCommand } from '../cli/query-command.ts'
import { createQueryApi, type QueryResult } from '../query/index.ts'
import { fixtureStore } from '../query/testdata/fixture.ts'

let server: ServerType
let url: string

beforeAll(async () => {
  const app = createQueryApi({ store: await fixtureStore(), tokens: [{ token: 'cli-reader-01', tenant: 'default', scopes: ['read'] }] })
  await new Promise<void>((done) => {
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      url = `http://127.0.0.1:${info.port}`
      done()
    })
  })
})
afterAll(() => new Promise<void>((done) => server.close(() => done())))

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runQueryCommand(args, (t) => (out += t), (t) => (err += t))
  return { code, out, err }
}

describe('blazedb query', () => {
  it('prints a table, JSON or CSV from a server', async () => {
    const q = 'spans | stats count() by service.name | sort service.name'
    const table = await cli(q, '--server', url, '--token', 'cli-reader-01')
    expect(table.code).toBe(0)
    expect(table.out).toBe('service.name  count\n------------  -----\ncart          1\nfrontend      3\npayment       1\n')
    expect(table.err).toContain('3 rows')
    const json = await cli(q, '--server', url, '--token', 'cli-reader-01', '--format', 'json')
    expect(JSON.parse(json.out).rows).toEqual([['cart', 1], ['frontend', 3], ['payment', 1]])
    const csv = await cli(q, '--server', url, '--token', 'cli-reader-01', '--format', 'csv', '--start', '2026-11-01T00:01:00Z')
    expect(csv.out).toBe('service.name,count\r\ncart,1\r\nfrontend,1\r\n')
  })

  it('reports query errors with the caret, and bad usage', async () => {
    const bad = await cli('spans | where', '--server', url, '--token', 'cli-reader-01')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('[SYNTAX] line 1, column 14: cannot parse query: expected an expression')
    expect(bad.err).toContain('  spans | where\n               ^')
    expect((await cli('spans', '--format', 'xml')).code).toBe(2)
    expect((await cli()).code).toBe(2)
  })

  it('quotes CSV cells that need it', () => {
    const result = { columns: [{ name: 'body', type: 'string' }], rows: [['a, "b"']], stats: {} } as unknown as QueryResult
    expect(render(result, 'csv')).toBe('body\r\n"a, ""b"""\r\n')
  })
})
