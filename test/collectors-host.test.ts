/**
 * Host metrics of this machine inside the real server: every CPU of /proc/stat with its eight
 * states per reading, memory states that add up to MemTotal exactly, counters that never go
 * down, and the root file system.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { waitFor } from './support/wait-for.ts'

describe.skipIf(process.platform !== 'linux')('host metrics in blazedb serve', () => {
  let blaze: CollectorServer
  beforeAll(async () => {
    blaze = await startCollectorServer({ host: { interval: '1s' } })
  })
  afterAll(async () => blaze?.close())

  it('reads this host', async () => {
    const times = await waitFor('two readings', async () => {
      const r = await blaze.rows('metrics | where metric.name = "system.uptime" | sort time | limit 10')
      return r.length >= 2 ? r.map((x) => String(x.time)) : undefined
    }, 60_000, 200)
    const cpus = readFileSync('/proc/stat', 'utf8').split('\n').filter((l) => /^cpu\d+ /.test(l)).length
    for (const t of times.slice(0, 2)) {
      const cpu = await blaze.rows(`metrics | where metric.name = "system.cpu.time" and time = ${t} | stats count() as n, count_distinct(attr.cpu) as cpus`)
      expect(cpu[0]).toEqual({ n: cpus * 8, cpus })
      const mem = await blaze.rows(`metrics | where metric.name in ("system.memory.usage", "system.memory.limit") and time = ${t} | select metric.name, attr.state, value`)
      const by = Object.fromEntries(mem.map((r) => [String(r['attr.state'] ?? r['metric.name']), r.value as number]))
      expect(by.used + by.free + by.buffered + by.cached + by.slab_reclaimable).toBe(by['system.memory.limit'])
      const root = await blaze.rows(`metrics | where metric.name = "system.filesystem.usage" and attr.mountpoint = "/" and time = ${t} | stats count()`)
      expect(root[0]).toEqual({ count: 3 })
    }
    // Cumulative counters never go down from one reading to the next.
    const series = await blaze.rows(`metrics | where metric.name = "system.cpu.time" and attr.cpu = "cpu0" and attr.state = "user" | sort time | limit 10`)
    for (let i = 1; i < series.length; i++) expect(series[i].value as number).toBeGreaterThanOrEqual(series[i - 1].value as number)
    expect(series[0]).toMatchObject({ 'metric.type': 'sum', 'metric.monotonic': true, 'metric.unit': 's', 'resource.os.type': 'linux' })
  })
})
