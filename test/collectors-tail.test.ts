/**
 * Log-file tailing in the real server process, killed with SIGKILL while it reads: after
 * every restart it goes on where it stopped, across a rotation, and in the end each line of
 * the files is stored exactly once.
 */
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startServerProcess, type ServerProcess } from './support/server-process.ts'
import { expectEachLineOnce, jsonLines, logCount } from './support/tailed-lines.ts'
import { waitFor } from './support/wait-for.ts'

const root = mkdtempSync(join(tmpdir(), 'blazedb-tail-crash-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const count = (server: ServerProcess): Promise<number> => logCount(server.http)
const lines = jsonLines

describe('tail in blazedb serve, killed with SIGKILL mid-file', () => {
  it('stores every line exactly once across kills, restarts and a rotation', async () => {
    const dataDir = join(root, 'data')
    const logFile = join(root, 'logs', 'app.log')
    const config = join(root, 'config.json')
    mkdirSync(join(root, 'logs'))
    writeFileSync(
      config,
      JSON.stringify({ collectors: { tail: { pollInterval: '50ms', files: [{ include: [join(root, 'logs', 'app.log*')], startAt: 'beginning', format: 'json', service: 'app', maxBatchBytes: 2048 }] } } }),
    )
    let written = 20_000
    writeFileSync(logFile, lines(0, written))
    let before = 0
    let killedMidFile = 0
    for (let round = 0; round < 4; round++) {
      const server = await startServerProcess(dataDir, {}, ['--config', config])
      // Let it read on past what it had, then kill it.
      const seen = await waitFor('progress', async () => {
        const n = await count(server)
        return n > before ? n : undefined
      }, 60_000, 200)
      await server.kill()
      if (seen < written) killedMidFile++
      expect(seen).toBeLessThanOrEqual(written)
      before = seen
      // While it is down, the file grows; once, it is rotated and a new one started.
      appendFileSync(logFile, lines(written, written + 2000))
      written += 2000
      if (round === 1) {
        renameSync(logFile, `${logFile}.1`)
        writeFileSync(logFile, lines(written, written + 3000))
        written += 3000
      }
    }
    expect(killedMidFile).toBeGreaterThan(0)
    const server = await startServerProcess(dataDir, {}, ['--config', config])
    try {
      await waitFor('every line', async () => ((await count(server)) >= written ? true : undefined), 120_000, 200)
      await expectEachLineOnce(server.http, written)
    } finally {
      await server.stop()
    }
  }, 600_000)
})
