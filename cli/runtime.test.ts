/**
 * The allocator a server starts with: jemalloc where the system has it, glibc's fixed
 * thresholds otherwise, the operator's own settings always first. End to end, a real
 * `blazedb serve` has jemalloc mapped; the test needs Debian's libjemalloc2 (skipped on a machine
 * without it, a failure in CI: `.ci/run` installs it).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServerProcess } from '../test/support/server-process.ts'
import { systemToolsRequired } from '../test/support/system-tool.ts'
import { allocatorEnvironment, JEMALLOC_CONF, JEMALLOC_PATHS, MAIN_SEMI_SPACE_MB, MALLOC_SETTINGS, mainThreadFlags } from './runtime.ts'

const JEMALLOC = JEMALLOC_PATHS.find(existsSync)
if (JEMALLOC === undefined && systemToolsRequired()) throw new Error('jemalloc is required here and missing: apt-get install -y libjemalloc2')

describe('allocatorEnvironment', () => {
  const has = (path: string) => (p: string) => p === path
  const nothing = () => false

  it('prefers jemalloc where installed, else glibc with fixed thresholds', () => {
    expect(allocatorEnvironment({}, true, has(JEMALLOC_PATHS[0]))).toEqual({ LD_PRELOAD: JEMALLOC_PATHS[0], MALLOC_CONF: JEMALLOC_CONF })
    expect(allocatorEnvironment({}, true, has(JEMALLOC_PATHS[2]))).toEqual({ LD_PRELOAD: JEMALLOC_PATHS[2], MALLOC_CONF: JEMALLOC_CONF })
    expect(allocatorEnvironment({}, true, nothing)).toEqual(MALLOC_SETTINGS)
    expect(allocatorEnvironment({ BLAZEDB_ALLOCATOR: 'glibc' }, true, has(JEMALLOC_PATHS[0]))).toEqual(MALLOC_SETTINGS)
  })

  it("keeps the operator's settings, and changes nothing off glibc or once applied", () => {
    expect(allocatorEnvironment({ MALLOC_ARENA_MAX: '2' }, true, has(JEMALLOC_PATHS[0]))).toBeUndefined()
    expect(allocatorEnvironment({ LD_PRELOAD: '/opt/tcmalloc.so' }, true, has(JEMALLOC_PATHS[0]))).toBeUndefined()
    expect(allocatorEnvironment({}, false, has(JEMALLOC_PATHS[0]))).toBeUndefined()
    // The re-executed process sees its own settings and does not re-execute again.
    for (const exists of [has(JEMALLOC_PATHS[0]), nothing]) {
      const applied = allocatorEnvironment({}, true, exists)!
      expect(allocatorEnvironment(applied, true, exists)).toBeUndefined()
    }
  })
})

describe("the event loop's thread's young generation", () => {
  it('is given a small semi-space at start unless the operator chose one', () => {
    expect(mainThreadFlags([], {})).toEqual([`--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`])
    expect(mainThreadFlags(['--max-semi-space-size=16'], {})).toBeUndefined()
    expect(mainThreadFlags([], { NODE_OPTIONS: '--max_semi_space_size=16' })).toBeUndefined()
  })

  it('stays small while worker threads started afterwards get their own', () => {
    // A process started as execWithServerSettings starts a server: garbage made on the main
    // thread and on a worker (with its own young generation, as the decoding threads have)
    // grows each young generation to its largest.
    const runtime = new URL('./runtime.ts', import.meta.url).href
    const script = `
      import { Worker } from 'node:worker_threads'
      import { getHeapSpaceStatistics } from 'node:v8'
      import { tuneServerRuntime } from ${JSON.stringify(runtime)}
      const churn = 'let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 100000) keep = [] }'
      const young = 'getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size'
      tuneServerRuntime()
      const main = eval(churn + ';' + young)
      const worker = new Worker('import { getHeapSpaceStatistics } from "node:v8"; import { parentPort } from "node:worker_threads"; ' + churn + '; parentPort.postMessage(' + young + ')', { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 48 } })
      worker.once('message', (bytes) => { console.log(JSON.stringify({ main, worker: bytes, flags: process.env.BLAZEDB_MAIN_THREAD_V8_FLAGS ?? null })); worker.terminate() })
    `
    const out = spawnSync(process.execPath, [...mainThreadFlags([], {})!, '--input-type=module', '-e', script], { env: { ...process.env, BLAZEDB_MAIN_THREAD_V8_FLAGS: mainThreadFlags([], {})!.join(' ') }, encoding: 'utf8' })
    expect(out.status, out.stderr).toBe(0)
    const { main, worker, flags } = JSON.parse(out.stdout) as { main: number; worker: number; flags: string | null }
    // Two semi-spaces at most; the worker's (48 MiB young generation) well past that.
    expect(main).toBeLessThanOrEqual(2 * MAIN_SEMI_SPACE_MB * 2 ** 20)
    expect(worker).toBeGreaterThan(4 * MAIN_SEMI_SPACE_MB * 2 ** 20)
    // Not passed on to child processes.
    expect(flags).toBeNull()
  })
})

describe.skipIf(JEMALLOC === undefined || process.platform !== 'linux')('blazedb serve', () => {
  const mapped = (pid: number): boolean => readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libjemalloc')

  it('runs on jemalloc, or on glibc when told so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-allocator-'))
    try {
      for (const [env, want] of [[{}, true], [{ BLAZEDB_ALLOCATOR: 'glibc' }, false]] as const) {
        const server = await startServerProcess(join(dir, String(want)), env)
        try {
          expect(mapped(server.child.pid!), JSON.stringify(env)).toBe(want)
          expect(readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0')).toContain(`--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`)
          expect((await fetch(`http://${server.http}/healthz`)).status).toBe(200)
        } finally {
          expect(await server.stop()).toBe(0)
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
