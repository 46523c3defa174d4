/**
 * @module collectors/collectors
 * Starts the configured collectors inside `blazedb serve` and stops them. Each collector hands
 * its batches to the one sink and keeps its own counters (`snapshot()`).
 */
import type { BatchSink, CollectorSnapshot } from './collector-stats.ts'
import { validateCollectorsConfig, type CollectorsConfig } from './config.ts'
import { RemoteWriteReceiver } from './remote-write/receiver.ts'
import { Scraper } from './scrape/scraper.ts'
import { FileTailer } from './tail/file-tailer.ts'
import { HostMetrics } from './host/host-metrics.ts'
import { parseDurationMs, parseHostPort } from './config.ts'
import { SyslogServer } from './syslog/syslog-server.ts'
import { SelfTelemetry, type QueueDepths } from './self/self-telemetry.ts'
import type { IngestStats } from '../ingest/index.ts'
import { join } from 'node:path'
import type { Store } from '../storage/index.ts'

export interface CollectorsOptions {
  sink: BatchSink
  /** Largest remote-write body, compressed or not (the server's `maxRequestBytes`). */
  maxRequestBytes?: number
  log?: (line: string) => void
  /** Tenant for collectors whose config names none (default "default"). */
  defaultTenant?: string
  /** Directory for the collectors' own state (tail positions); required when tail is configured. */
  stateDir?: string
  /** Read-only use: the tail collector asks it whether a batch pending at a crash was stored. */
  store?: Store
  /** The OTLP gateway's counters, for self-telemetry. */
  ingestStats?: () => IngestStats
  /** The server's queue depths, for self-telemetry. */
  queues?: () => QueueDepths
}

export interface RunningCollectors {
  /** The remote-write receiver, when enabled; the HTTP API routes `POST /api/v1/write` to it. */
  readonly remoteWrite: RemoteWriteReceiver | undefined
  /** BlazeDB's own metrics (`/metrics`); present when a store was given. */
  readonly self: SelfTelemetry | undefined
  snapshot(): CollectorSnapshot[]
  close(): Promise<void>
}

/**
 * Starts every collector the configuration names.
 * @example const collectors = await startCollectors(config.collectors, { sink: (t, b) => store.append(t, b) })
 */
export async function startCollectors(config: CollectorsConfig | undefined, options: CollectorsOptions): Promise<RunningCollectors> {
  validateCollectorsConfig(config)
  const remoteWrite = config?.remoteWrite?.enabled === false ? undefined : new RemoteWriteReceiver({ sink: options.sink, maxRequestBytes: options.maxRequestBytes })
  const tenant = options.defaultTenant ?? 'default'
  const closers: (() => Promise<void>)[] = []
  const snapshots: (() => CollectorSnapshot)[] = []
  if (remoteWrite !== undefined) snapshots.push(() => remoteWrite.stats.snapshot())
  const self = options.store === undefined ? undefined : new SelfTelemetry({ store: options.store, ingest: options.ingestStats, queues: options.queues, collectors: () => snapshots.map((s) => s()) })
  if (self !== undefined) closers.push(() => self.stop())
  if (self !== undefined && config?.self !== undefined) {
    self.startStoring(config.self.tenant ?? '_system', parseDurationMs('self.interval', config.self.interval ?? '15s'), options.sink)
    snapshots.push(() => self.stats.snapshot())
  }
  try {
    await startSources(config, options, tenant, closers, snapshots)
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {})
    throw error
  }
  return {
    remoteWrite,
    self,
    snapshot: () => snapshots.map((s) => s()),
    async close() {
      for (const close of closers.reverse()) await close()
    },
  }
}

async function startSources(config: CollectorsConfig | undefined, options: CollectorsOptions, tenant: string, closers: (() => Promise<void>)[], snapshots: (() => CollectorSnapshot)[]): Promise<void> {
  if (config?.scrape !== undefined) {
    const scraper = new Scraper(config.scrape, options.sink, tenant)
    scraper.start()
    closers.push(() => scraper.stop())
    snapshots.push(() => scraper.snapshot())
  }
  if (config?.tail !== undefined) {
    if (options.stateDir === undefined) throw new TypeError('cannot start the tail collector: no stateDir for its positions')
    const tailer = new FileTailer(config.tail, { sink: options.sink, positionsFile: join(options.stateDir, 'tail-positions.json'), defaultTenant: tenant, store: options.store })
    await tailer.start()
    closers.push(() => tailer.stop())
    snapshots.push(() => tailer.snapshot())
  }
  if (config?.host !== undefined) {
    const host = new HostMetrics({
      intervalMs: parseDurationMs('host.interval', config.host.interval ?? '15s'),
      tenant: config.host.tenant ?? tenant,
      sink: options.sink,
      procRoot: config.host.procRoot,
      rootPath: config.host.rootPath,
    })
    host.start()
    closers.push(() => host.stop())
    snapshots.push(() => host.snapshot())
  }
  if (config?.syslog !== undefined) {
    const c = config.syslog
    const syslog = new SyslogServer({
      udp: c.udpAddr === undefined ? undefined : parseHostPort('syslog.udpAddr', c.udpAddr),
      tcp: c.tcpAddr === undefined ? undefined : parseHostPort('syslog.tcpAddr', c.tcpAddr),
      protocol: c.protocol ?? 'auto',
      tenant: c.tenant ?? tenant,
      sink: options.sink,
      log: options.log,
    })
    closers.push(() => syslog.stop())
    await syslog.start()
    snapshots.push(() => syslog.snapshot())
  }
}
