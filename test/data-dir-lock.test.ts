/**
 * The data directory lock against real server processes: a server killed with SIGKILL and left
 * unreaped (a zombie: its parent never waits for it) restarts on the same directory at once; a
 * LOCK file naming a live, unrelated process does not block a start; a second live server on
 * the same directory is refused with a message saying so.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { BIN, startServerProcess, type ServerProcess } from './support/server-process.ts'
import { waitFor } from './support/wait-for.ts'

const cleanup: (() => Promise<unknown> | void)[] = []
afterEach(async () => {
  for (const undo of cleanup.splice(0).reverse()) await undo()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-lock-e2e-'))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function started(dir: string): Promise<ServerProcess> {
  const server = await startServerProcess(dir)
  cleanup.push(() => server.stop())
  return server
}

/** Linux process state letter from /proc: 'Z' for a zombie. */
function processState(pid: number): string | undefined {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]
  } catch {
    return undefined
  }
}

describe('data directory lock', () => {
  it.skipIf(process.platform !== 'linux')('restarts at once after a SIGKILL whose process is left a zombie', async () => {
    const dir = tempDir()
    // sh starts the server in the background, prints its pid, then becomes `sleep`: a parent
    // that never waits, so the killed server stays a zombie until the sleep is killed.
    const args = [BIN, 'serve', '--data-dir', dir, '--http-addr', '127.0.0.1:0', '--otlp-http-addr', '127.0.0.1:0', '--otlp-grpc-addr', '127.0.0.1:0']
    const parent = spawn('sh', ['-c', '"$@" & echo "pid $!"; exec sleep 600', 'sh', process.execPath, ...args], {
      env: { ...process.env, BLAZEDB_PASSWORD: 'server test password' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const parentExited = new Promise((done) => parent.once('exit', done))
    cleanup.push(async () => {
      parent.kill('SIGKILL')
      await parentExited
    })
    const lines: string[] = []
    createInterface({ input: parent.stdout! }).on('line', (l) => lines.push(l))
    createInterface({ input: parent.stderr! }).on('line', (l) => lines.push(l))
    await waitFor('the first server to listen', () => lines.filter((l) => / listening on /.test(l)).length === 3, 20_000, 20)
    const pid = Number(lines.find((l) => l.startsWith('pid '))!.slice(4))
    process.kill(pid, 'SIGKILL')
    await waitFor('the killed server to become a zombie', () => processState(pid) === 'Z', 20_000, 20)

    const second = await started(dir)
    expect(processState(pid)).toBe('Z')
    const health = await fetch(`http://${second.http}/healthz`)
    expect(health.status).toBe(200)
  })

  it('starts although LOCK names a live unrelated process', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'LOCK'), `${process.pid}\n`)
    const server = await started(dir)
    expect((await fetch(`http://${server.http}/healthz`)).status).toBe(200)
  })

  it('refuses a second live server on the same directory', async () => {
    const dir = tempDir()
    const first = await started(dir)
    const refused = await startServerProcess(dir).then(
      (s) => {
        cleanup.push(() => s.stop())
        return undefined
      },
      (e: Error) => e,
    )
    expect(refused?.message).toContain(`cannot open ${dir}: it is in use by another running BlazeDB process (process ${first.child.pid})`)
    expect((await fetch(`http://${first.http}/healthz`)).status).toBe(200)
  })
})
