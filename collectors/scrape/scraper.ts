/**
 * @module collectors/scrape/scraper
 * The scrape collector: one ScrapeTarget per configured target that relabelling keeps.
 * Target labels start as Prometheus's: `__address__` (the target), `__scheme__`,
 * `__metrics_path__`, `job`, and the job's `labels`; after relabelling, `instance` defaults to
 * `__address__`, the URL is `<__scheme__>://<__address__><__metrics_path__>`, and labels
 * starting with `__` are dropped.
 */
import { CollectorStats, type BatchSink, type CollectorSnapshot } from '../collector-stats.ts'
import { parseDurationMs, type ScrapeConfig } from '../config.ts'
import { compileRelabel, relabel } from './relabel.ts'
import { ScrapeTarget } from './scrape-target.ts'

/** Prometheus's defaults. */
const DEFAULT_INTERVAL = '1m'
const DEFAULT_TIMEOUT = '10s'

export class Scraper {
  readonly stats = new CollectorStats('scrape')
  readonly targets: ScrapeTarget[] = []
  /** Targets that relabelling dropped, by address. */
  readonly dropped: string[] = []

  constructor(config: ScrapeConfig, sink: BatchSink, defaultTenant: string) {
    for (const job of config.jobs) {
      const intervalMs = parseDurationMs('', job.interval ?? config.interval ?? DEFAULT_INTERVAL)
      const timeoutMs = Math.min(intervalMs, parseDurationMs('', job.timeout ?? config.timeout ?? DEFAULT_TIMEOUT))
      const rules = (job.relabel ?? []).map(compileRelabel)
      for (const address of job.targets) {
        const initial = { ...(job.labels ?? {}), job: job.name, __address__: address, __scheme__: job.scheme ?? 'http', __metrics_path__: job.metricsPath ?? '/metrics' }
        const labels = relabel(initial, rules)
        if (labels === undefined) {
          this.dropped.push(address)
          continue
        }
        const url = `${labels.__scheme__}://${labels.__address__}${labels.__metrics_path__}`
        labels.instance ??= labels.__address__
        for (const k of Object.keys(labels)) if (k.startsWith('__')) delete labels[k]
        this.targets.push(new ScrapeTarget({ url, labels, intervalMs, timeoutMs, tenant: job.tenant ?? config.tenant ?? defaultTenant, sink, stats: this.stats }))
      }
    }
  }

  start(): void {
    for (const t of this.targets) t.start()
  }

  async stop(): Promise<void> {
    await Promise.all(this.targets.map((t) => t.stop()))
  }

  snapshot(): CollectorSnapshot {
    return this.stats.snapshot({ targets: this.targets.map((t) => t.status), dropped: this.dropped })
  }
}
