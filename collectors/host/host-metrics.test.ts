/**
 * Host metrics from fixture /proc files: every point exact, in OpenTelemetry's names and units.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { cellValue, type Batch } from '../../storage/index.ts'
import { HostMetrics } from './host-metrics.ts'

const proc = mkdtempSync(join(tmpdir(), 'blazedb-proc-'))
afterAll(() => rmSync(proc, { recursive: true, force: true }))
mkdirSync(join(proc, 'net'))
writeFileSync(join(proc, 'stat'), 'cpu  300 0 0 0 0 0 0 0 0 0\ncpu0 100 2 30 400 5 6 7 8 9 10\ncpu1 200 0 0 0 0 0 0 0 0 0\nintr 1 2\nbtime 1796616670\nprocesses 46552\nprocs_running 3\nprocs_blocked 1\n')
writeFileSync(join(proc, 'loadavg'), '0.50 1.25 2.00 3/490 14109\n')
writeFileSync(join(proc, 'meminfo'), 'MemTotal:       1000 kB\nMemFree:         400 kB\nMemAvailable:    700 kB\nBuffers:          50 kB\nCached:          200 kB\nSReclaimable:     30 kB\nSUnreclaim:       20 kB\n')
writeFileSync(join(proc, 'diskstats'), '   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n 253       0 vda 10 1 20 30 40 2 80 90 0 100 120 0 0 0 0 0 0\n')
writeFileSync(join(proc, 'net/dev'), 'Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n')
writeFileSync(join(proc, 'mounts'), 'proc /proc proc rw 0 0\n/dev/vda / ext4 rw,relatime 0 0\n/dev/vdb /data\\040x xfs ro 0 0\n/dev/vda / ext4 rw 0 0\n')
writeFileSync(join(proc, 'uptime'), '1234.56 2000.00\n')

function rows(batch: Batch) {
  return Array.from({ length: batch.length }, (_, i) => {
    const r: Record<string, unknown> = {}
    for (const [k, c] of Object.entries(batch.columns)) {
      const v = cellValue(c, i)
      if (v !== undefined) r[k] = v
    }
    return r
  })
}

describe('HostMetrics', () => {
  const batches: Batch[] = []
  const host = new HostMetrics({
    intervalMs: 1000,
    tenant: 'ops',
    sink: async (tenant, b) => {
      expect(tenant).toBe('ops')
      batches.push(b)
    },
    procRoot: proc,
    hostName: 'node-1',
    statfs: (path) => (path === '/' ? { bsize: 4096, blocks: 100, bfree: 40, bavail: 30 } : { bsize: 1024, blocks: 10, bfree: 10, bavail: 10 }),
  })

  it('reads CPU, load, memory, disks, network, file systems and processes', async () => {
    await host.collect(1796618401000)
    const all = rows(batches[0])
    const v = (name: string, attrs: Record<string, string> = {}) =>
      all.filter((r) => r['metric.name'] === name && Object.entries(attrs).every(([k, x]) => r[`a:${k}`] === x)).map((r) => r.value)
    expect(all[0]).toEqual({
      'metric.name': 'system.cpu.time', 'metric.unit': 's', 'metric.type': 2, 'metric.temporality': 2, 'metric.monotonic': true,
      startTimeUnixNano: 1796616670000000000n, timeUnixNano: 1796618401000000000n, value: 1, 'scope.name': 'blazedb/collectors/host',
      'r:host.name': 'node-1', 'r:os.type': 'linux', 'a:cpu': 'cpu0', 'a:state': 'user',
    })
    expect(v('system.cpu.time', { cpu: 'cpu0' })).toEqual([1, 0.02, 0.3, 4, 0.05, 0.06, 0.07, 0.08])
    expect(v('system.cpu.time', { cpu: 'cpu1' })).toEqual([2, 0, 0, 0, 0, 0, 0, 0])
    expect(v('system.cpu.logical.count')).toEqual([2])
    expect([v('system.cpu.load_average.1m'), v('system.cpu.load_average.5m'), v('system.cpu.load_average.15m')]).toEqual([[0.5], [1.25], [2]])
    expect(all.filter((r) => r['metric.name'] === 'system.memory.usage').map((r) => [r['a:state'], r.value, r['metric.monotonic']])).toEqual([
      ['used', 320 * 1024, false], ['free', 400 * 1024, false], ['buffered', 50 * 1024, false], ['cached', 200 * 1024, false], ['slab_reclaimable', 30 * 1024, false], ['slab_unreclaimable', 20 * 1024, false],
    ])
    expect(v('system.memory.utilization', { state: 'used' })).toEqual([0.32])
    expect(v('system.memory.limit')).toEqual([1024000])
    expect(v('system.disk.io', { device: 'vda' })).toEqual([20 * 512, 80 * 512])
    expect(v('system.disk.io', { device: 'loop0' })).toEqual([])
    expect(v('system.disk.operations', { device: 'vda' })).toEqual([10, 40])
    expect(v('system.disk.operation_time', { device: 'vda' })).toEqual([0.03, 0.09])
    expect(v('system.disk.io_time', { device: 'vda' })).toEqual([0.1])
    expect(v('system.network.io', { device: 'eth0' })).toEqual([1000, 2000])
    expect(v('system.network.packets', { device: 'eth0', direction: 'transmit' })).toEqual([20])
    expect(v('system.network.errors', { device: 'eth0' })).toEqual([1, 3])
    expect(v('system.network.dropped', { device: 'eth0' })).toEqual([2, 4])
    expect(v('system.filesystem.usage', { mountpoint: '/' })).toEqual([60 * 4096, 30 * 4096, 10 * 4096])
    expect(v('system.filesystem.usage', { mountpoint: '/data x', mode: 'ro', type: 'xfs', state: 'free' })).toEqual([10 * 1024])
    expect(v('system.filesystem.utilization', { mountpoint: '/' })).toEqual([0.6])
    expect(v('system.processes.count')).toEqual([3, 1])
    expect(v('system.processes.created')).toEqual([46552])
    expect(v('system.uptime')).toEqual([1234.56])
    expect(host.stats.snapshot().counters).toEqual({ collections: 1, pointsStored: all.length })
  })

  it('counts a host it cannot read as an error and stores nothing', async () => {
    const broken = new HostMetrics({ intervalMs: 1000, tenant: 't', sink: async () => expect.unreachable(), procRoot: join(proc, 'missing') })
    await broken.collect()
    expect(broken.stats.snapshot().errorsByCode).toEqual({ SOURCE_FAILED: 1 })
  })
})
