/**
 * `blazedb collect` as its own process, tailing a file and scraping an endpoint, sending over
 * OTLP/HTTP with a token to the real server: the records arrive once, under the token's
 * tenant, with their fields; SIGTERM stops it cleanly.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { waitFor } from './support/wait-for.ts'
import { BIN } from './support/server-process.ts'

describe('blazedb collect', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-collect-'))
  let blaze: CollectorServer
  let app: Server
  beforeAll(async () => {
    blaze = await startCollectorServer({}, { tokens: [{ token: 'edge-ingest-token', tenant: 'edge', scopes: ['ingest'] }] })
    app = createServer((_, res) => res.end('# TYPE jobs_done counter\njobs_done_total{queue="mail"} 42\n'))
    await new Promise<void>((done) => app.listen(0, '127.0.0.1', done))
  })
  afterAll(async () => {
    await new Promise((done) => app?.close(done))
    await blaze?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('sends tailed lines and scraped samples to the server under the token tenant', async () => {
    const log = join(dir, 'app.log')
    writeFileSync(log, Array.from({ length: 50 }, (_, i) => `level=${i % 5 === 0 ? 'error' : 'info'} msg="job ${i}" n=${i}`).join('\n') + '\n')
    const config = join(dir, 'collect.json')
    writeFileSync(
      config,
      JSON.stringify({
        collectors: {
          tail: { pollInterval: '100ms', files: [{ include: [log], startAt: 'beginning', service: 'worker' }] },
          scrape: { interval: '1s', jobs: [{ name: 'worker', targets: [`127.0.0.1:${(app.address() as { port: number }).port}`] }] },
        },
      }),
    )
    const child = spawn(process.execPath, [BIN, 'collect', '--config', config, '--data-dir', join(dir, 'state'), '--endpoint', `http://${blaze.server.addresses.otlpHttp}`, '--token', 'edge-ingest-token'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    try {
      await waitFor('50 log records in tenant edge', async () => {
        const r = await blaze.rows('logs | stats count()', 'edge')
        return r[0].count === 50 ? true : undefined
      }, 60_000, 200).catch((error) => {
        throw new Error(`${(error as Error).message}\n${output}`)
      })
      const errors = await blaze.rows('logs | where severity = 17 | stats count() as c, count_distinct(attr.n) as d', 'edge')
      expect(errors[0]).toEqual({ c: 10, d: 10 })
      const one = await blaze.rows('logs | where body = "job 7" | limit 1', 'edge')
      expect(one[0]).toMatchObject({ severity_text: 'INFO', 'attr.log.file.path': log, 'resource.service.name': 'worker', 'scope.name': 'blazedb/collectors/tail' })
      const jobs = await waitFor('a scrape', async () => {
        const r = await blaze.rows('metrics | where metric.name = "jobs_done_total" | limit 1', 'edge')
        return r.length > 0 ? r : undefined
      }, 60_000, 200)
      expect(jobs[0]).toMatchObject({ value: 42, 'metric.type': 'sum', 'metric.monotonic': true, 'attr.queue': 'mail', 'resource.service.name': 'worker' })
      expect((await blaze.rows('logs | stats count()'))[0].count).toBe(0) // nothing in the default tenant
    } finally {
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
  })
})
