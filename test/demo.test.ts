/**
 * `npm run demo` (examples/shop/demo.ts) as a newcomer runs it: the server and the shop start,
 * data is queryable within seconds, and a Ctrl-C (SIGINT to the terminal's process group) stops
 * everything: the demo exits 0, nothing listens any more, the data directory is free again and
 * holds the shop's traces, metrics and logs, flushed by each service as it stopped.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, expect, it } from 'vitest'
import { waitFor } from './support/wait-for.ts'
import { BIN } from './support/server-process.ts'

const ROOT = resolve(import.meta.dirname, '..')
const dir = mkdtempSync(join(tmpdir(), 'blazedb-demo-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** `blazedb query --data-dir` on the stopped demo's data (password "demo"), as JSON. */
function offline(query: string): Promise<string> {
  return new Promise((done, reject) =>
    execFile(process.execPath, [BIN, 'query', '--data-dir', join(dir, 'data'), '--format', 'json', query], { env: { ...process.env, BLAZEDB_PASSWORD: 'demo' } }, (error, stdout, stderr) =>
      error === null ? done(stdout) : reject(new Error(`${error.message}\n${stderr}`)),
    ),
  )
}

it('npm run demo starts BlazeDB and the shop, shows data, and stops cleanly on Ctrl-C', async () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BLAZEDB_DATA_DIR: join(dir, 'data'),
    BLAZEDB_HTTP_ADDR: '127.0.0.1:0',
    BLAZEDB_OTLP_HTTP_ADDR: '127.0.0.1:0',
    BLAZEDB_OTLP_GRPC_ADDR: '127.0.0.1:0',
  }
  delete env.BLAZEDB_PASSWORD
  delete env.BLAZEDB_CONFIG
  // Its own process group, as a terminal runs a foreground command.
  const demo = spawn(process.execPath, [join(ROOT, 'examples/shop/demo.ts')], { env, stdio: ['ignore', 'pipe', 'inherit'], detached: true })
  const exited = new Promise<number | null>((done) => demo.once('exit', (code) => done(code)))
  const lines: string[] = []
  createInterface({ input: demo.stdout! }).on('line', (line) => lines.push(line))
  try {
    const ui = await waitFor('the demo to print the web UI address', async () => lines.map((l) => /^\s+Web UI:\s+(http:\/\/\S+)\//.exec(l)?.[1]).find(Boolean), 60_000, 200)
    const frontend = /frontend (http:\/\/[\d.:]+)\)/.exec(lines.join('\n'))![1]
    expect(lines).toContain('Ctrl-C stops everything.')
    const count = async (query: string): Promise<number> => {
      const res = await fetch(`${ui}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })
      return ((await res.json()) as { rows: [number][] }).rows[0][0]
    }
    // The traffic generator places 5 orders a second; spans reach the server within a second.
    await waitFor('the shop\'s spans from three services', async () => ((await count('spans | stats count_distinct(service.name)')) === 3 ? true : undefined), 60_000, 200)
    // The demo's server evaluates the shop's alert rules, and on Linux collects this machine's metrics too.
    const rules = (await (await fetch(`${ui}/api/v1/rules`)).json()) as { groups: { name: string }[] }
    expect(rules.groups.map((g) => g.name)).toEqual(process.platform === 'linux' ? ['shop', 'host'] : ['shop'])
    // ... and shows the examples' dashboards, at the addresses it printed.
    for (const id of process.platform === 'linux' ? ['shop', 'host-metrics'] : ['shop']) {
      expect(lines.some((l) => l.endsWith(`${ui}/dashboards/${id}`)), id).toBe(true)
      const res = await fetch(`${ui}/api/v1/dashboards/${id}`)
      expect(res.status, id).toBe(200)
      expect(((await res.json()) as { dashboard: { id: string } }).dashboard.id).toBe(id)
    }
    if (process.platform === 'linux') await waitFor('host metrics', async () => ((await count('metrics | where metric.name = "system.cpu.time" | stats count()')) > 0 ? true : undefined), 60_000, 200)

    process.kill(-demo.pid!, 'SIGINT')
    expect(await exited).toBe(0)
    expect(lines).toContain('demo: stopped')
    await expect(fetch(`${ui}/healthz`)).rejects.toThrow()
    await expect(fetch(`${frontend}/checkout?order=1`, { method: 'POST' })).rejects.toThrow()
    // The server released the data directory, and the services exported what they held.
    const first = async (query: string): Promise<number> => (JSON.parse(await offline(query)) as { rows: [number][] }).rows[0][0]
    const orders = await first('metrics | where metric.name = "shop.orders" | stats count()')
    expect(orders).toBeGreaterThan(0)
    expect(await first('spans | stats count_distinct(service.name)')).toBe(3)
    expect(await first('logs | where exists(trace_id) | stats count_distinct(service.name)')).toBe(3)
    // The batch of orders 0..4 under way at Ctrl-C completes first: order 3 fails (payment, and the frontend twice).
    expect(await first('spans | where status = "error" | stats count()')).toBeGreaterThanOrEqual(3)
  } finally {
    if (demo.exitCode === null && demo.signalCode === null) {
      process.kill(-demo.pid!, 'SIGINT')
      await exited
    }
  }
}, 120_000)
