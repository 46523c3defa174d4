/**
 * @module collectors/scrape/scrape-target
 * One scrape target: fetches its /metrics every interval (or when `scrape()` is called), stores
 * each sample as a metric point with the target's labels, plus Prometheus's synthetic series
 * `up`, `scrape_duration_seconds` and `scrape_samples_scraped`, and marks series that
 * disappeared (or all of them, when the target is down) stale, as Prometheus does.
 *
 * Concurrency: one scrape at a time per target; `stop()` aborts a scrape under way and waits.
 */
import type { BatchSink, CollectorStats } from '../collector-stats.ts'
import { CollectorError, sinkFailure } from '../errors.ts'
import { SCRAPE_MAX_BYTES } from '../limits.ts'
import { familyCandidates, pointKind, type PointKind, type PromFamilyInfo } from '../prom-metric-kind.ts'
import { PromPointWriter } from '../prom-point-writer.ts'
import { readCapped } from '../read-capped.ts'
import { parseExposition, type Exposition } from './exposition-parser.ts'

const SCOPE_NAME = 'blazedb/collectors/scrape'
/** Prefers OpenMetrics, as Prometheus does. */
const ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
const GAUGE: PointKind = { type: 1, monotonic: false }

export interface ScrapeTargetOptions {
  url: string
  /** Target labels after relabelling (job, instance and any others); `__` labels removed. */
  labels: Record<string, string>
  intervalMs: number
  timeoutMs: number
  tenant: string
  sink: BatchSink
  stats: CollectorStats
}

export interface TargetStatus {
  url: string
  labels: Record<string, string>
  health: 'unknown' | 'up' | 'down'
  lastScrape?: string
  lastDurationMs?: number
  lastError?: string
  series: number
}

interface SeriesRef {
  name: string
  labels: [string, string][]
  kind: PointKind
}

export class ScrapeTarget {
  private readonly o: ScrapeTargetOptions
  private previous = new Map<string, SeriesRef>()
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private abort: AbortController | undefined
  private stopped = false
  status: TargetStatus

  constructor(options: ScrapeTargetOptions) {
    this.o = options
    this.status = { url: options.url, labels: options.labels, health: 'unknown', series: 0 }
  }

  /** Scrapes now, then every interval, aligned to the first scrape's time. */
  start(): void {
    const first = Date.now()
    let k = 0
    const tick = (): void => {
      if (this.stopped) return
      this.running = this.scrape().finally(() => {
        this.running = undefined
        if (this.stopped) return
        k = Math.max(k + 1, Math.floor((Date.now() - first) / this.o.intervalMs) + 1)
        this.timer = setTimeout(tick, Math.max(0, first + k * this.o.intervalMs - Date.now()))
      })
    }
    tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.abort?.abort(new Error('the scraper stopped'))
    await this.running
  }

  /** One scrape, stamped `now` (ms); never throws: failures are counted and shown. */
  async scrape(now = Date.now()): Promise<void> {
    const stats = this.o.stats
    stats.add('scrapes')
    const started = performance.now()
    let exposition: Exposition | undefined
    try {
      exposition = await this.fetchExposition()
    } catch (error) {
      const e = error instanceof CollectorError ? error : new CollectorError('SOURCE_FAILED', `cannot scrape ${this.o.url}: ${(error as Error).message}`)
      stats.add('scrapesFailed')
      stats.error(e.code, e.message)
      this.status.lastError = e.message
    }
    const seconds = (performance.now() - started) / 1000
    const writer = new PromPointWriter(SCOPE_NAME)
    const timeNs = BigInt(now) * 1_000_000n
    const current = new Map<string, SeriesRef>()
    if (exposition !== undefined) {
      for (const s of exposition.samples) {
        const labels = this.seriesLabels(s.labels)
        const key = s.name + JSON.stringify(labels)
        const ref = { name: s.name, labels, kind: kindIn(exposition.families, s.name, s.labels) }
        current.set(key, ref)
        const info = familyOf(exposition.families, s.name)?.info
        const time = s.timestampMs === undefined ? timeNs : BigInt(s.timestampMs) * 1_000_000n
        writer.add({ name: s.name, labels, value: s.value, timeUnixNano: time, kind: ref.kind, help: info?.help, unit: info?.unit })
      }
      stats.add('samples', exposition.samples.length)
    }
    // Series gone since the last scrape (all of them when the target is down) end here.
    for (const [key, ref] of this.previous) {
      if (current.has(key)) continue
      writer.add({ name: ref.name, labels: ref.labels, value: undefined, timeUnixNano: timeNs, kind: ref.kind })
      stats.add('staleMarkers')
    }
    this.previous = current
    const synthetic = this.seriesLabels([])
    writer.add({ name: 'up', labels: synthetic, value: exposition === undefined ? 0 : 1, timeUnixNano: timeNs, kind: GAUGE })
    writer.add({ name: 'scrape_duration_seconds', labels: synthetic, value: seconds, timeUnixNano: timeNs, kind: GAUGE })
    if (exposition !== undefined) writer.add({ name: 'scrape_samples_scraped', labels: synthetic, value: exposition.samples.length, timeUnixNano: timeNs, kind: GAUGE })
    this.status = {
      ...this.status,
      health: exposition === undefined ? 'down' : 'up',
      lastScrape: new Date(now).toISOString(),
      lastDurationMs: Math.round(seconds * 1000),
      lastError: exposition === undefined ? this.status.lastError : undefined,
      series: current.size,
    }
    const batch = writer.take()!
    try {
      await this.o.sink(this.o.tenant, batch)
      stats.add('pointsStored', batch.length)
    } catch (error) {
      const e = sinkFailure(error)
      stats.error(e.code, e.message)
    }
  }

  private async fetchExposition(): Promise<Exposition> {
    this.abort = new AbortController()
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)])
    try {
      const res = await fetch(this.o.url, {
        signal,
        headers: { accept: ACCEPT, 'user-agent': 'BlazeDB', 'x-prometheus-scrape-timeout-seconds': String(this.o.timeoutMs / 1000) },
      })
      if (res.status !== 200) {
        await res.body?.cancel()
        throw new CollectorError('SOURCE_FAILED', `cannot scrape ${this.o.url}: HTTP status ${res.status}`)
      }
      const length = Number(res.headers.get('content-length') ?? '0')
      if (length > SCRAPE_MAX_BYTES) throw new CollectorError('TOO_LARGE', `cannot scrape ${this.o.url}: ${length} bytes, the limit is ${SCRAPE_MAX_BYTES}`)
      const body = new TextDecoder().decode(await readCapped(res.body, SCRAPE_MAX_BYTES, `the answer of ${this.o.url}`))
      const format = (res.headers.get('content-type') ?? '').startsWith('application/openmetrics-text') ? 'openmetrics' : 'text'
      return parseExposition(body, format)
    } catch (error) {
      if (error instanceof CollectorError) throw error
      if (signal.aborted && this.abort.signal.aborted === false) {
        throw new CollectorError('SOURCE_FAILED', `cannot scrape ${this.o.url}: no answer within the ${this.o.timeoutMs} ms timeout`)
      }
      throw new CollectorError('SOURCE_FAILED', `cannot scrape ${this.o.url}: ${(error as Error).message}${(error as Error).cause ? ` (${String((error as Error).cause)})` : ''}`)
    } finally {
      this.abort = undefined
    }
  }

  /**
   * The sample's labels with the target's added. A sample label that clashes with a target
   * label is kept as `exported_<name>` (Prometheus's honor_labels: false).
   */
  private seriesLabels(own: readonly [string, string][]): [string, string][] {
    const out: [string, string][] = []
    for (const [k, v] of own) out.push([k in this.o.labels ? `exported_${k}` : k, v])
    for (const [k, v] of Object.entries(this.o.labels)) out.push([k, v])
    return out
  }
}

function familyOf(families: Map<string, PromFamilyInfo>, name: string): { family: string; info: PromFamilyInfo } | undefined {
  for (const family of familyCandidates(name)) {
    const info = families.get(family)
    if (info !== undefined) return { family, info }
  }
  return undefined
}

function kindIn(families: Map<string, PromFamilyInfo>, name: string, labels: readonly [string, string][]): PointKind {
  return pointKind(name, labels.some(([k]) => k === 'le'), familyOf(families, name))
}
