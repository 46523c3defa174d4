/**
 * The query limits and the memory limit of the server's configuration: defaults, values from a
 * config file, what the memory limit sizes, and bad values stopping the start with a message
 * naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig, memoryBudgetOf, queryLimits } from './config.ts'

const root = mkdtempSync(join(tmpdir(), 'blazedb-config-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function withFile(fields: Record<string, unknown>) {
  const file = join(root, `config-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(file, JSON.stringify(fields))
  return () => loadConfig({ config: file }, {})
}

describe('query limits', () => {
  it('default to 30 s and 384 MiB, and come from the config file', () => {
    expect(queryLimits(loadConfig({}, {}))).toEqual({ timeoutMs: 30_000, maxMemoryBytes: 384 * 1024 * 1024 })
    expect(queryLimits(withFile({ queryTimeout: '1500ms', queryMaxMemory: '64MiB' })())).toEqual({ timeoutMs: 1_500, maxMemoryBytes: 64 * 1024 * 1024 })
  })

  it('refuse bad values, naming the field', () => {
    const bad = (fields: Record<string, unknown>, field: string, message: string) => {
      const error = (() => {
        try {
          withFile(fields)()
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).field).toBe(field)
      expect((error as Error).message).toContain(message)
    }
    bad({ queryTimeout: 'soon' }, 'queryTimeout', 'expected a duration like 30s')
    bad({ queryTimeout: '0' }, 'queryTimeout', 'must be at least 1ms')
    bad({ queryMaxMemory: '12' }, 'queryMaxMemory', 'expected a size like 512KiB')
    bad({ queryMaxMemory: '1KiB' }, 'queryMaxMemory', 'must be at least 1MiB')
    bad({ memoryLimit: 'lots' }, 'memoryLimit', 'expected a size like 512KiB')
    bad({ memoryLimit: '256MiB' }, 'memoryLimit', 'must be at least 384MiB')
    bad({ queriesMaxMemory: '2GiB' }, 'queriesMaxMemory', 'must be at least 1MiB and at most memoryLimit (1GiB)')
    bad({ queryPartials: 'no' }, 'queryPartials', 'must be true or false')
    bad({ queryCpuShare: 0 }, 'queryCpuShare', 'must be a number from 0.05 to 1')
    bad({ queryCpuShare: '25%' }, 'queryCpuShare', 'must be a number from 0.05 to 1')
  })
})

describe('memory limit', () => {
  const MiB = 1024 * 1024
  it('sizes heads, requests in flight, caches, the query budgets and heap reserves, 1 GiB by default', () => {
    expect(memoryBudgetOf(loadConfig({}, {}))).toEqual({ headFlushBytes: 32 * MiB, maxInflightBytes: 64 * MiB, engineCacheBytes: 64 * MiB, queryCacheBytes: 256 * MiB, compactMaxRows: 600_000, queryMaxMemoryBytes: 384 * MiB, queriesMaxMemoryBytes: 384 * MiB, queryThreadHeapReserveBytes: 16 * MiB })
    const small = withFile({ memoryLimit: '512MiB' })()
    expect(memoryBudgetOf(small)).toEqual({ headFlushBytes: 16 * MiB, maxInflightBytes: 32 * MiB, engineCacheBytes: 32 * MiB, queryCacheBytes: 128 * MiB, compactMaxRows: 300_000, queryMaxMemoryBytes: 192 * MiB, queriesMaxMemoryBytes: 192 * MiB, queryThreadHeapReserveBytes: 8 * MiB })
    expect(queryLimits(small).maxMemoryBytes).toBe(192 * MiB)
  })

  it('leaves a query budget set on its own as it is', () => {
    expect(queryLimits(withFile({ memoryLimit: '512MiB', queryMaxMemory: '400MiB' })()).maxMemoryBytes).toBe(400 * MiB)
  })

  it('takes the bound on all running queries from queriesMaxMemory, and one query its budget from it when not set', () => {
    const set = withFile({ queriesMaxMemory: '64MiB' })()
    expect(memoryBudgetOf(set).queriesMaxMemoryBytes).toBe(64 * MiB)
    expect(queryLimits(set).maxMemoryBytes).toBe(64 * MiB)
    expect(queryLimits(withFile({ queriesMaxMemory: '64MiB', queryMaxMemory: '32MiB' })()).maxMemoryBytes).toBe(32 * MiB)
  })
})
