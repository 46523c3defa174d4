/**
 * `blazedb collect` exactly once: the real collector process tails a file being appended and
 * sends it through a proxy to the real server. The collector is killed with SIGKILL mid-stream
 * (once while the server has stored its batch and the answer is still on its way); in another
 * case the server is killed -9 mid-stream (once after storing a batch, before answering it).
 * At the end every line is stored exactly once, and the server counted the retried batches
 * it recognised by their Idempotency-Key.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startAnswerProxy, type AnswerProxy } from './support/answer-proxy.ts'
import { BIN, startServerProcess, type ServerProcess } from './support/server-process.ts'
import { expectEachLineOnce, jsonLines, logCount } from './support/tailed-lines.ts'
import { waitFor } from './support/wait-for.ts'

const root = mkdtempSync(join(tmpdir(), 'blazedb-collect-crash-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const count = (server: ServerProcess): Promise<number> => logCount(server.http)

/** Appends lines to `file` in small writes until `total`, as a busy application does. */
function startWriter(file: string, total: number): { written: () => number; done: Promise<void> } {
  let written = 0
  writeFileSync(file, '')
  const done = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const next = Math.min(total, written + 40)
      appendFileSync(file, jsonLines(written, next))
      written = next
      if (written === total) {
        clearInterval(timer)
        resolve()
      }
    }, 10)
  })
  return { written: () => written, done }
}

interface Collector {
  child: ChildProcess
  output: string[]
  kill(): Promise<void>
  stop(): Promise<number | null>
}

function startCollector(dir: string, endpoint: string): Collector {
  const config = join(dir, 'collect.json')
  writeFileSync(config, JSON.stringify({ collectors: { tail: { pollInterval: '50ms', files: [{ include: [join(dir, 'logs', '*.log')], startAt: 'beginning', format: 'json', service: 'edge', maxBatchBytes: 4096 }] } } }))
  const child = spawn(process.execPath, [BIN, 'collect', '--config', config, '--data-dir', join(dir, 'state'), '--endpoint', `http://${endpoint}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  return {
    child,
    output,
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
    stop: async () => {
      child.kill('SIGTERM')
      return exited
    },
  }
}

/** The server's count of records recognised as already stored (its /metrics). */
async function duplicatesCounted(server: ServerProcess): Promise<number> {
  const text = await (await fetch(`http://${server.http}/metrics`, { headers: { accept: 'text/plain' } })).text()
  const m = /^blazedb_ingest_records_duplicate_total\{signal="logs"\} (\d+)$/m.exec(text)
  if (m === null) throw new Error(`no duplicate counter in /metrics:\n${text.slice(0, 2000)}`)
  return Number(m[1])
}

async function expectAllOnce(server: ServerProcess, total: number, collector: Collector): Promise<void> {
  await waitFor('every line', async () => ((await count(server)) >= total ? true : undefined), 120_000, 200).catch((error: Error) => {
    throw new Error(`${error.message}\n${collector.output.join('')}`)
  })
  await expectEachLineOnce(server.http, total)
}

describe('blazedb collect, exactly once across kill -9', () => {
  it('stores every line once when the collector is killed mid-stream, also with a stored batch unanswered', async () => {
    const dir = join(root, 'collector-killed')
    mkdirSync(join(dir, 'logs'), { recursive: true })
    const server = await startServerProcess(join(dir, 'data'))
    const proxy: AnswerProxy = await startAnswerProxy(server.otlpHttp)
    const total = 24_000
    const writer = startWriter(join(dir, 'logs', 'app.log'), total)
    let collector: Collector | undefined
    try {
      let before = 0
      let killedMidStream = 0
      for (let round = 0; round < 4; round++) {
        const c = (collector = startCollector(dir, proxy.address))
        if (round === 2) {
          // The server stores the batch; the collector dies before it hears so.
          await proxy.withholdNext(() => c.kill())
        } else {
          await waitFor('progress', async () => ((await count(server)) > before ? true : undefined), 60_000, 50)
          await c.kill()
        }
        const seen = await count(server)
        if (seen < total) killedMidStream++
        before = seen
      }
      expect(killedMidStream).toBe(4)
      await writer.done
      collector = startCollector(dir, proxy.address)
      await expectAllOnce(server, total, collector)
      // The batch withheld in round 2 came again after the restart, with its key.
      expect(await duplicatesCounted(server)).toBeGreaterThan(0)
      expect(await collector.stop()).toBe(0)
      collector = undefined
    } finally {
      await writer.done
      await collector?.kill()
      await proxy.close()
      await server.stop()
    }
  }, 300_000)

  it('stores every line once when the server is killed -9 mid-stream, also between storing a batch and answering it', async () => {
    const dir = join(root, 'server-killed')
    mkdirSync(join(dir, 'logs'), { recursive: true })
    const dataDir = join(dir, 'data')
    let server = await startServerProcess(dataDir)
    const proxy = await startAnswerProxy(server.otlpHttp)
    const total = 24_000
    const writer = startWriter(join(dir, 'logs', 'app.log'), total)
    const collector = startCollector(dir, proxy.address)
    const seenAtKills: number[] = []
    const restart = async (): Promise<void> => {
      seenAtKills.push(await count(server))
      await server.kill()
      server = await startServerProcess(dataDir)
      proxy.target = server.otlpHttp
    }
    try {
      for (let round = 0; round < 2; round++) {
        const before = await count(server)
        await waitFor('progress', async () => ((await count(server)) > before ? true : undefined), 60_000, 50)
        await restart()
      }
      // Stored and acknowledged by storage, never answered: the key must come back from the log.
      const before = await count(server)
      await waitFor('progress', async () => ((await count(server)) > before ? true : undefined), 60_000, 50)
      await proxy.withholdNext(restart)
      expect(seenAtKills.every((n) => n < total)).toBe(true) // every kill came mid-stream
      await writer.done
      await expectAllOnce(server, total, collector)
      expect(await duplicatesCounted(server)).toBeGreaterThan(0)
      expect(await collector.stop()).toBe(0)
    } finally {
      await writer.done
      await collector.kill()
      await proxy.close()
      await server.stop()
    }
  }, 300_000)
})
