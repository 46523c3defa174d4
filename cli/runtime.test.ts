/**
 * The allocator a server starts with: jemalloc where the system has it, glibc's fixed
 * thresholds otherwise, the operator's own settings always first. End to end, a real
 * `blazedb serve` has jemalloc mapped; the test needs Debian's libjemalloc2 (skipped on a machine
 * without it, a failure in CI: `.ci/run` installs it).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startServerProcess } from '../test/support/server-process.ts'
import { systemToolsRequired } from '../test/support/system-tool.ts'
import { allocatorEnvironment, JEMALLOC_CONF, JEMALLOC_PATHS, MALLOC_SETTINGS } from './runtime.ts'

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

describe.skipIf(JEMALLOC === undefined || process.platform !== 'linux')('blazedb serve', () => {
  const mapped = (pid: number): boolean => readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libjemalloc')

  it('runs on jemalloc, or on glibc when told so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-allocator-'))
    try {
      for (const [env, want] of [[{}, true], [{ BLAZEDB_ALLOCATOR: 'glibc' }, false]] as const) {
        const server = await startServerProcess(join(dir, String(want)), env)
        try {
          expect(mapped(server.child.pid!), JSON.stringify(env)).toBe(want)
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
