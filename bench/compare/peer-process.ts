/**
 * @module bench/compare/peer-process
 * Starting and stopping another system's server for a comparison: its binary found on PATH or
 * in the Debian package's place, a free port on 127.0.0.1, a temporary data directory, a poll
 * of its HTTP endpoint until it answers (with a deadline, never a fixed sleep), and SIGTERM then
 * SIGKILL at the end. No system service is involved.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

/** How long a peer may take to answer its first request (ClickHouse loads its system tables). */
const START_DEADLINE_MS = 60_000
/** How long a peer may take to exit after SIGTERM before it is killed. */
const STOP_DEADLINE_MS = 15_000

/** The first existing path among `candidates`, or undefined (the peer is then skipped). */
export function findBinary(candidates: readonly string[]): string | undefined {
  for (const c of candidates) {
    if (c.includes('/')) {
      if (existsSync(c)) return c
      continue
    }
    for (const dir of (process.env.PATH ?? '').split(':')) if (dir !== '' && existsSync(join(dir, c))) return join(dir, c)
  }
  return undefined
}

/** The Debian package's version (the binaries print none), or 'of unknown version'. */
export function packageVersion(name: string): string {
  // Upstream version only: Debian's suffix (+ds1-2+b5) says how it was packaged.
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().replace(/[+~-].*/, '')
  } catch {
    return 'of unknown version'
  }
}

/** A port free on 127.0.0.1 at the time of the call. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface PeerProcess {
  /** Stops the process: SIGTERM, then SIGKILL past the deadline. */
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Spawns `bin args`, its output into `logFile`, and polls `readyUrl` until it answers 200.
 * Throws with the log's tail when the process exits or the deadline passes first.
 */
export async function startPeer(bin: string, args: string[], readyUrl: string, logFile: string): Promise<PeerProcess> {
  const fd = openSync(logFile, 'a')
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', fd, fd] })
  closeSync(fd)
  let exited = false
  const exit = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())))
  const stop = async (): Promise<void> => {
    if (exited) return
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS)
    await exit
    clearTimeout(killer)
  }
  const deadline = performance.now() + START_DEADLINE_MS
  while (performance.now() < deadline && !exited) {
    try {
      const res = await fetch(readyUrl)
      await res.arrayBuffer()
      if (res.status === 200) return { stop }
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  await stop()
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : ''
  throw new Error(`cannot start ${bin}: ${exited ? 'it exited' : `no answer from ${readyUrl} within ${START_DEADLINE_MS} ms`}\n${tail}`)
}

/** Median, p95 and the first run's answer of `runs` timed calls after one checked first call. */
export async function timeQuery<T>(runs: number, call: () => Promise<T>, check: (answer: T) => void): Promise<{ firstMs: number; times: number[]; answer: T }> {
  let t = performance.now()
  const answer = await call()
  const firstMs = performance.now() - t
  check(answer)
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    t = performance.now()
    await call()
    times.push(performance.now() - t)
  }
  return { firstMs, times, answer }
}

/**
 * Runs one comparison from the command line and prints its markdown: `--workload DIR` (the
 * default workload, generated when missing) and `--runs N`.
 * @example if (import.meta.main) await runAlone(run)
 */
export async function runAlone(run: (options: { workloadDir: string; runs?: number }) => Promise<{ markdown: string }>): Promise<void> {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, runs: { type: 'string' } } })
  let workloadDir = values.workload
  if (workloadDir === undefined) {
    const { DEFAULT_SIZE, ensureWorkload } = await import('../support/workload.ts')
    workloadDir = ensureWorkload(DEFAULT_SIZE)
  }
  console.log((await run({ workloadDir, runs: values.runs === undefined ? undefined : Number(values.runs) })).markdown)
}
