/** The examples run as they are. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../cli/config.ts'
import { startServerProcess } from './support/server-process.ts'
import { systemTool } from './support/system-tool.ts'

const curl = systemTool('curl', ['/usr/bin/curl', 'curl'], 'apt-get install -y curl')

const ROOT = resolve(import.meta.dirname, '..')

it('examples/storage-basics.ts writes spans and reads them back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-example-test-'))
  try {
    const out = execFileSync(process.execPath, [join(ROOT, 'examples/storage-basics.ts'), join(dir, 'data')], { encoding: 'utf8' })
    expect(out).toMatch(/GET \/cart/)
    expect(out).toMatch(/SELECT carts/)
    expect(out).toMatch(/trace 0102030405060708090a0b0c0d0e0f10 has 3 spans/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

it('examples/workload-queries.ts loads the test workload and answers its questions', () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'examples/workload-queries.ts')], { encoding: 'utf8' })
  expect(out).toMatch(/^loaded \d+ spans, 5000 log records, \d+ metric points/)
  expect(out).toMatch(/service\.name\tspans\terrors\n[a-z-]+\t\d+\t\d+\n/)
  expect(out).toMatch(/span\.name\tcount\n.+\t\d+/)
})

it('examples/collectors/*.json are valid server configurations', () => {
  const dir = join(ROOT, 'examples/collectors')
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  expect(files.length).toBe(7)
  for (const file of files) {
    const config = loadConfig({ config: join(dir, file) }, {})
    expect(Object.keys(config.collectors).length, file).toBeGreaterThan(0)
  }
})

describe.skipIf(curl === undefined)('examples/clients against the real server', () => {
  it('curl-otlp-json.sh sends logs and a span as OTLP/JSON and queries them; typescript-client.ts reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-clients-'))
    const server = await startServerProcess(join(dir, 'data'))
    try {
      const env = { ...process.env, BLAZEDB_OTLP_HTTP: server.otlpHttp, BLAZEDB_HTTP: server.http }
      const out = execFileSync('bash', [join(ROOT, 'examples/clients/curl-otlp-json.sh')], { encoding: 'utf8', env })
      const [, , logs, spans] = out.trim().split('\n')
      expect(JSON.parse(logs).rows).toEqual([['ERROR', 'something failed', null], ['INFO', 'hello from curl', '5b8efff798038103d269b633813fc60c']])
      expect(JSON.parse(spans).rows).toEqual([['GET /cart', 250000000, 'error']])
      const ts = execFileSync(process.execPath, [join(ROOT, 'examples/clients/typescript-client.ts'), `http://${server.http}`], { encoding: 'utf8' })
      expect(ts.split('\n').slice(0, 3)).toEqual(['service.name\terrors', 'curl-example\t1', 'curl-example\tGET /cart\t250000000'])
    } finally {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
