/**
 * @module collectors/config
 * The `collectors` section of the server's configuration file, and its validation (at
 * startup; a bad value names its field).
 */
import { CollectorError } from './errors.ts'
import { RELABEL_ACTIONS, compileRelabel, type RelabelConfig } from './scrape/relabel.ts'

/** What users write under `"collectors"`. Every section is optional. */
export interface CollectorsConfig {
  /** Prometheus remote-write receiver at `POST /api/v1/write` on the HTTP port; on unless `enabled: false`. */
  remoteWrite?: { enabled?: boolean }
  /** Prometheus scraping of /metrics endpoints. */
  scrape?: ScrapeConfig
}

export interface ScrapeConfig {
  /** Default for every job: how often to scrape (default 1m) and how long to wait (default 10s, at most the interval). */
  interval?: string
  timeout?: string
  /** Tenant the samples are stored under (default "default"). */
  tenant?: string
  jobs: ScrapeJobConfig[]
}

export interface ScrapeJobConfig {
  /** The `job` label (stored as resource attribute service.name). */
  name: string
  /** host:port of each target. */
  targets: string[]
  scheme?: 'http' | 'https'
  metricsPath?: string
  interval?: string
  timeout?: string
  tenant?: string
  /** Labels added to every target of the job. */
  labels?: Record<string, string>
  /** Relabelling of target labels, applied in order before scraping. */
  relabel?: RelabelConfig[]
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parses "500ms", "15s", "1m" or "1h" into milliseconds. */
export function parseDurationMs(field: string, text: unknown): number {
  const m = typeof text === 'string' ? /^(\d+)(ms|s|m|h)$/.exec(text) : null
  if (m === null || Number(m[1]) === 0) throw new CollectorConfigError(field, `expected a duration like 500ms, 15s or 1m, got ${JSON.stringify(text)}`)
  return Number(m[1]) * DURATION_MS[m[2]]
}

const TENANT = /^[A-Za-z0-9_-]{1,64}$/

/** A configuration error naming its field (relative to `collectors`). */
export class CollectorConfigError extends CollectorError {
  readonly field: string
  constructor(field: string, message: string) {
    super('INVALID_CONFIG', message)
    this.field = field
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Rejects unknown keys: a typo should not silently turn a collector off. */
export function checkKeys(field: string, value: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new CollectorConfigError(`${field}.${key}`, `unknown field; known fields: ${known.join(', ')}`)
  }
}

/** Throws CollectorConfigError for the first invalid field. */
export function validateCollectorsConfig(config: unknown): asserts config is CollectorsConfig {
  if (config === undefined) return
  if (!isObject(config)) throw new CollectorConfigError('', 'must be an object')
  checkKeys('', config, ['remoteWrite', 'scrape'])
  const rw = config.remoteWrite
  if (rw !== undefined) {
    if (!isObject(rw)) throw new CollectorConfigError('remoteWrite', 'must be an object like {"enabled": true}')
    checkKeys('remoteWrite', rw, ['enabled'])
    if (rw.enabled !== undefined && typeof rw.enabled !== 'boolean') throw new CollectorConfigError('remoteWrite.enabled', 'must be true or false')
  }
  if (config.scrape !== undefined) validateScrape(config.scrape)
}

function optionalString(field: string, value: unknown, pattern?: RegExp, expected = 'a string'): void {
  if (value === undefined) return
  if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) throw new CollectorConfigError(field, `must be ${expected}, got ${JSON.stringify(value)}`)
}

function validateScrape(scrape: unknown): void {
  if (!isObject(scrape)) throw new CollectorConfigError('scrape', 'must be an object with a list of jobs')
  checkKeys('scrape', scrape, ['interval', 'timeout', 'tenant', 'jobs'])
  if (scrape.interval !== undefined) parseDurationMs('scrape.interval', scrape.interval)
  if (scrape.timeout !== undefined) parseDurationMs('scrape.timeout', scrape.timeout)
  optionalString('scrape.tenant', scrape.tenant, TENANT, '1 to 64 letters, digits, "-" or "_"')
  if (!Array.isArray(scrape.jobs)) throw new CollectorConfigError('scrape.jobs', 'must be a list of {name, targets}')
  scrape.jobs.forEach((job: unknown, i: number) => {
    const f = `scrape.jobs[${i}]`
    if (!isObject(job)) throw new CollectorConfigError(f, 'must be an object like {"name": "node", "targets": ["127.0.0.1:9100"]}')
    checkKeys(f, job, ['name', 'targets', 'scheme', 'metricsPath', 'interval', 'timeout', 'tenant', 'labels', 'relabel'])
    if (typeof job.name !== 'string' || job.name === '') throw new CollectorConfigError(`${f}.name`, 'must be a non-empty string')
    if (!Array.isArray(job.targets) || job.targets.some((t) => typeof t !== 'string' || !/^[^/\s]+:\d+$/.test(t))) {
      throw new CollectorConfigError(`${f}.targets`, `must be a list of host:port, got ${JSON.stringify(job.targets)}`)
    }
    if (job.scheme !== undefined && job.scheme !== 'http' && job.scheme !== 'https') throw new CollectorConfigError(`${f}.scheme`, 'must be http or https')
    optionalString(`${f}.metricsPath`, job.metricsPath, /^\//, 'a path starting with /')
    if (job.interval !== undefined) parseDurationMs(`${f}.interval`, job.interval)
    if (job.timeout !== undefined) parseDurationMs(`${f}.timeout`, job.timeout)
    optionalString(`${f}.tenant`, job.tenant, TENANT, '1 to 64 letters, digits, "-" or "_"')
    if (job.labels !== undefined && (!isObject(job.labels) || Object.values(job.labels).some((v) => typeof v !== 'string'))) {
      throw new CollectorConfigError(`${f}.labels`, 'must be an object of string values')
    }
    if (job.relabel !== undefined && !Array.isArray(job.relabel)) throw new CollectorConfigError(`${f}.relabel`, 'must be a list of rules')
    ;(job.relabel ?? []).forEach((rule: unknown, k: number) => {
      const rf = `${f}.relabel[${k}]`
      if (!isObject(rule)) throw new CollectorConfigError(rf, 'must be an object')
      checkKeys(rf, rule, ['sourceLabels', 'separator', 'regex', 'targetLabel', 'replacement', 'action'])
      if (rule.action !== undefined && !RELABEL_ACTIONS.includes(rule.action as never)) {
        throw new CollectorConfigError(`${rf}.action`, `must be one of ${RELABEL_ACTIONS.join(', ')}, got ${JSON.stringify(rule.action)}`)
      }
      if (rule.sourceLabels !== undefined && (!Array.isArray(rule.sourceLabels) || rule.sourceLabels.some((l) => typeof l !== 'string'))) {
        throw new CollectorConfigError(`${rf}.sourceLabels`, 'must be a list of label names')
      }
      for (const key of ['separator', 'regex', 'targetLabel', 'replacement']) optionalString(`${rf}.${key}`, rule[key])
      const needsTarget = rule.action === undefined || rule.action === 'replace' || rule.action === 'lowercase' || rule.action === 'uppercase'
      if (needsTarget && (typeof rule.targetLabel !== 'string' || rule.targetLabel === '')) throw new CollectorConfigError(`${rf}.targetLabel`, `is required for action ${rule.action ?? 'replace'}`)
      try {
        compileRelabel(rule as RelabelConfig)
      } catch (error) {
        throw new CollectorConfigError(`${rf}.regex`, `cannot compile: ${(error as Error).message}`)
      }
    })
  })
}
