/**
 * @module collectors/host/host-metrics
 * Host metrics read from /proc every interval, named and shaped as OpenTelemetry's semantic
 * conventions for system metrics (and its hostmetrics receiver) have them: `system.cpu.time`,
 * `system.cpu.load_average.1m`, `system.memory.usage`, `system.disk.io`, `system.network.io`,
 * `system.filesystem.usage`, `system.processes.count`, ... Resource: `host.name`, `os.type`.
 * Counters are cumulative sums that start at boot.
 */
import { readFileSync, statfsSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { ATTR_PREFIX, BatchBuilder, COMMON_COLUMNS, METRIC_COLUMNS, METRIC_TYPE, RESOURCE_ATTR_PREFIX, type Batch } from '../../storage/index.ts'
import { CollectorStats, type BatchSink, type CollectorSnapshot } from '../collector-stats.ts'
import { sinkFailure } from '../errors.ts'
import { CPU_STATES, parseDiskstats, parseLoadavg, parseMeminfo, parseMounts, parseNetDev, parseProcStat } from './proc-readers.ts'

const SCOPE_NAME = 'blazedb/collectors/host'
/** Ticks per second of /proc/stat: USER_HZ, 100 on every Linux architecture (the kernel scales to it). */
const USER_HZ = 100
/** /proc/diskstats counts 512-byte sectors whatever the device's block size. */
const SECTOR_BYTES = 512
const CUMULATIVE = 2

export interface HostMetricsOptions {
  intervalMs: number
  tenant: string
  sink: BatchSink
  /** Where procfs is mounted (tests point it at fixture files). */
  procRoot?: string
  /** Where the host's root file system is mounted (a container mounting it at /hostfs); default /. */
  rootPath?: string
  /** statfs(2) of a mount point; tests give fixed answers. */
  statfs?: (path: string) => { bsize: number; blocks: number; bfree: number; bavail: number }
  hostName?: string
}

interface Point {
  name: string
  unit: string
  type: 'gauge' | 'sum'
  monotonic?: boolean
  value: number
  attributes?: Record<string, string>
}

export class HostMetrics {
  readonly stats = new CollectorStats('host')
  private readonly o: HostMetricsOptions
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false

  constructor(options: HostMetricsOptions) {
    this.o = options
  }

  start(): void {
    const tick = (): void => {
      if (this.stopped) return
      this.running = this.collect().finally(() => {
        this.running = undefined
        if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs)
      })
    }
    tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  snapshot(): CollectorSnapshot {
    return this.stats.snapshot()
  }

  /** Reads the host once and stores the points, stamped `now` (ms); never throws. */
  async collect(now = Date.now()): Promise<void> {
    this.stats.add('collections')
    let batch: Batch
    try {
      batch = this.read(now)
    } catch (error) {
      this.stats.error('SOURCE_FAILED', `cannot read host metrics: ${(error as Error).message}`)
      return
    }
    try {
      await this.o.sink(this.o.tenant, batch)
      this.stats.add('pointsStored', batch.length)
    } catch (error) {
      const e = sinkFailure(error)
      this.stats.error(e.code, e.message)
    }
  }

  /** One reading of every metric as a batch. */
  read(now: number): Batch {
    const proc = this.o.procRoot ?? '/proc'
    const file = (name: string) => readFileSync(join(proc, name), 'utf8')
    const stat = parseProcStat(file('stat'))
    const points: Point[] = []
    const sum = (name: string, unit: string, value: number, attributes?: Record<string, string>, monotonic = true) => points.push({ name, unit, type: 'sum', monotonic, value, attributes })
    const gauge = (name: string, unit: string, value: number, attributes?: Record<string, string>) => points.push({ name, unit, type: 'gauge', value, attributes })

    for (const [cpu, ticks] of stat.cpus) for (const state of CPU_STATES) sum('system.cpu.time', 's', ticks[state] / USER_HZ, { cpu, state })
    gauge('system.cpu.logical.count', '{cpu}', stat.cpus.size)
    const [l1, l5, l15] = parseLoadavg(file('loadavg'))
    gauge('system.cpu.load_average.1m', '{thread}', l1)
    gauge('system.cpu.load_average.5m', '{thread}', l5)
    gauge('system.cpu.load_average.15m', '{thread}', l15)

    const mem = parseMeminfo(file('meminfo'))
    const m = (k: string) => mem.get(k) ?? 0
    const total = m('MemTotal')
    // As the hostmetrics receiver: used excludes buffers, page cache and reclaimable slab.
    const states: Record<string, number> = {
      used: total - m('MemFree') - m('Buffers') - m('Cached') - m('SReclaimable'),
      free: m('MemFree'),
      buffered: m('Buffers'),
      cached: m('Cached'),
      slab_reclaimable: m('SReclaimable'),
      slab_unreclaimable: m('SUnreclaim'),
    }
    for (const [state, bytes] of Object.entries(states)) {
      sum('system.memory.usage', 'By', bytes, { state }, false)
      if (total > 0) gauge('system.memory.utilization', '1', bytes / total, { state })
    }
    sum('system.memory.limit', 'By', total, undefined, false)

    for (const d of parseDiskstats(file('diskstats'))) {
      const device = d.device
      sum('system.disk.io', 'By', d.sectorsRead * SECTOR_BYTES, { device, direction: 'read' })
      sum('system.disk.io', 'By', d.sectorsWritten * SECTOR_BYTES, { device, direction: 'write' })
      sum('system.disk.operations', '{operation}', d.readsCompleted, { device, direction: 'read' })
      sum('system.disk.operations', '{operation}', d.writesCompleted, { device, direction: 'write' })
      sum('system.disk.operation_time', 's', d.msReading / 1000, { device, direction: 'read' })
      sum('system.disk.operation_time', 's', d.msWriting / 1000, { device, direction: 'write' })
      sum('system.disk.io_time', 's', d.msDoingIo / 1000, { device })
    }

    for (const n of parseNetDev(file('net/dev'))) {
      const device = n.device
      for (const [name, unit, rx, tx] of [
        ['system.network.io', 'By', n.rxBytes, n.txBytes],
        ['system.network.packets', '{packet}', n.rxPackets, n.txPackets],
        ['system.network.errors', '{error}', n.rxErrors, n.txErrors],
        ['system.network.dropped', '{packet}', n.rxDropped, n.txDropped],
      ] as const) {
        sum(name, unit, rx, { device, direction: 'receive' })
        sum(name, unit, tx, { device, direction: 'transmit' })
      }
    }

    const statfs = this.o.statfs ?? ((path: string) => statfsSync(path))
    for (const mount of parseMounts(file('mounts'))) {
      let fs
      try {
        fs = statfs(join(this.o.rootPath ?? '/', mount.mountpoint))
      } catch {
        continue // not readable by this user, or gone
      }
      if (fs.blocks === 0) continue
      const attrs = { device: mount.device, mountpoint: mount.mountpoint, type: mount.type, mode: mount.mode }
      sum('system.filesystem.usage', 'By', (fs.blocks - fs.bfree) * fs.bsize, { ...attrs, state: 'used' }, false)
      sum('system.filesystem.usage', 'By', fs.bavail * fs.bsize, { ...attrs, state: 'free' }, false)
      sum('system.filesystem.usage', 'By', (fs.bfree - fs.bavail) * fs.bsize, { ...attrs, state: 'reserved' }, false)
      gauge('system.filesystem.utilization', '1', (fs.blocks - fs.bfree) / fs.blocks, attrs)
    }

    sum('system.processes.count', '{process}', stat.procsRunning, { status: 'running' }, false)
    sum('system.processes.count', '{process}', stat.procsBlocked, { status: 'blocked' }, false)
    sum('system.processes.created', '{process}', stat.processesCreated)
    gauge('system.uptime', 's', Number(file('uptime').trim().split(/\s+/)[0]))

    return this.build(points, BigInt(now) * 1_000_000n, BigInt(stat.bootTimeSeconds) * 1_000_000_000n)
  }

  private build(points: Point[], time: bigint, boot: bigint): Batch {
    const b = new BatchBuilder('metrics')
    const host = this.o.hostName ?? hostname()
    points.forEach((p, row) => {
      b.setStr(METRIC_COLUMNS.name, row, p.name)
      b.setStr(METRIC_COLUMNS.unit, row, p.unit)
      b.setU32(METRIC_COLUMNS.type, row, p.type === 'sum' ? METRIC_TYPE.sum : METRIC_TYPE.gauge)
      if (p.type === 'sum') {
        b.setU32(METRIC_COLUMNS.temporality, row, CUMULATIVE)
        b.setBool(METRIC_COLUMNS.monotonic, row, p.monotonic ?? true)
        b.setI64(METRIC_COLUMNS.startTimeUnixNano, row, boot)
      }
      b.setI64(METRIC_COLUMNS.timeUnixNano, row, time)
      b.setF64(METRIC_COLUMNS.value, row, p.value)
      b.setStr(COMMON_COLUMNS.scopeName, row, SCOPE_NAME)
      b.setStr(`${RESOURCE_ATTR_PREFIX}host.name`, row, host)
      b.setStr(`${RESOURCE_ATTR_PREFIX}os.type`, row, 'linux')
      for (const [k, v] of Object.entries(p.attributes ?? {})) b.setStr(ATTR_PREFIX + k, row, v)
    })
    return b.finish(points.length)
  }
}
