/**
 * @module collectors/config
 * The `collectors` section of the server's configuration file, and its validation (at
 * startup; a bad value names its field).
 */
import { TENANT_NAME } from '../storage/index.ts'
import { CollectorError } from './errors.ts'
import { RELABEL_ACTIONS, compileRelabel, type RelabelConfig } from './scrape/relabel.ts'
import { LINE_FORMATS, type LineFormat } from './tail/line-parser.ts'
import { SYSLOG_PROTOCOLS, type SyslogProtocol } from './syslog/syslog-parser.ts'

/** What users write under `"collectors"`. Every section is optional. */
export interface CollectorsConfig {
  /** Prometheus remote-write receiver at `POST /api/v1/write` on the HTTP port; on unless `enabled: false`. */
  remoteWrite?: { enabled?: boolean }
  /** Prometheus scraping of /metrics endpoints. */
  scrape?: ScrapeConfig
  /** Log files to tail. */
  tail?: TailConfig
  /** Host metrics from /proc. */
  host?: HostConfig
  /** Syslog receiver over UDP and/or TCP. */
  syslog?: SyslogConfig
  /** Store BlazeDB's own metrics (those of /metrics) in a system tenant. */
  self?: { interval?: string; tenant?: string }
}

export interface SyslogConfig {
  /** host:port to receive UDP datagrams on (port 0: any free port). */
  udpAddr?: string
  /** host:port to accept TCP connections on. */
  tcpAddr?: string
  /** Message format (default auto: RFC 5424 when a version follows the priority, else RFC 3164). */
  protocol?: SyslogProtocol
  tenant?: string
}

/** Parses "host:port" (IPv6 in brackets). */
export function parseHostPort(field: string, addr: unknown): { host: string; port: number } {
  const m = typeof addr === 'string' ? /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(addr) : null
  if (m === null || Number(m[2]) > 65535) throw new CollectorConfigError(field, `expected host:port, like 127.0.0.1:5514, got ${JSON.stringify(addr)}`)
  return { host: m[1].replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) }
}

export interface HostConfig {
  /** How often to read (default 15s). */
  interval?: string
  tenant?: string
  /** Where procfs is mounted (default /proc; /host/proc when the host's is mounted into a container). */
  procRoot?: string
  /** Where the host's root file system is mounted, for file system usage (default /; /hostfs in a container). */
  rootPath?: string
}

export interface TailConfig {
  /** How often files are checked for new lines (default 1s). */
  pollInterval?: string
  tenant?: string
  files: TailFileConfig[]
}

export interface TailFileConfig {
  /** Paths or globs (`/var/log/app/*.log`). */
  include: string[]
  exclude?: string[]
  /** How lines are parsed (default auto: JSON objects, then logfmt, then plain). */
  format?: LineFormat
  /** Multi-line records: a line matching `start` begins a record (default: indented lines and `Caused by:` continue one). */
  multiline?: { start?: string }
  /** Resource attribute service.name of every record. */
  service?: string
  /** Other resource attributes. */
  resource?: Record<string, string>
  /** Where to begin in files present at the first start, without a saved position (default end). */
  startAt?: 'beginning' | 'end'
  tenant?: string
  /** Bytes read into one batch (default 1 MiB). */
  maxBatchBytes?: number
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
  checkKeys('', config, ['remoteWrite', 'scrape', 'tail', 'host', 'syslog', 'self'])
  if (config.self !== undefined) {
    if (!isObject(config.self)) throw new CollectorConfigError('self', 'must be an object like {"interval": "15s", "tenant": "_system"}')
    checkKeys('self', config.self, ['interval', 'tenant'])
    if (config.self.interval !== undefined) parseDurationMs('self.interval', config.self.interval)
    optionalTenant('self.tenant', config.self.tenant)
  }
  const rw = config.remoteWrite
  if (rw !== undefined) {
    if (!isObject(rw)) throw new CollectorConfigError('remoteWrite', 'must be an object like {"enabled": true}')
    checkKeys('remoteWrite', rw, ['enabled'])
    if (rw.enabled !== undefined && typeof rw.enabled !== 'boolean') throw new CollectorConfigError('remoteWrite.enabled', 'must be true or false')
  }
  if (config.scrape !== undefined) validateScrape(config.scrape)
  if (config.tail !== undefined) validateTail(config.tail)
  if (config.host !== undefined) {
    const host = config.host
    if (!isObject(host)) throw new CollectorConfigError('host', 'must be an object like {"interval": "15s"}')
    checkKeys('host', host, ['interval', 'tenant', 'procRoot', 'rootPath'])
    if (host.interval !== undefined) parseDurationMs('host.interval', host.interval)
    optionalTenant('host.tenant', host.tenant)
    optionalString('host.procRoot', host.procRoot, /^\//, 'an absolute path')
    optionalString('host.rootPath', host.rootPath, /^\//, 'an absolute path')
  }
  if (config.syslog !== undefined) {
    const syslog = config.syslog
    if (!isObject(syslog)) throw new CollectorConfigError('syslog', 'must be an object like {"udpAddr": "127.0.0.1:5514"}')
    checkKeys('syslog', syslog, ['udpAddr', 'tcpAddr', 'protocol', 'tenant'])
    if (syslog.udpAddr === undefined && syslog.tcpAddr === undefined) throw new CollectorConfigError('syslog', 'needs udpAddr, tcpAddr or both')
    if (syslog.udpAddr !== undefined) parseHostPort('syslog.udpAddr', syslog.udpAddr)
    if (syslog.tcpAddr !== undefined) parseHostPort('syslog.tcpAddr', syslog.tcpAddr)
    if (syslog.protocol !== undefined && !SYSLOG_PROTOCOLS.includes(syslog.protocol as SyslogProtocol)) {
      throw new CollectorConfigError('syslog.protocol', `must be one of ${SYSLOG_PROTOCOLS.join(', ')}`)
    }
    optionalTenant('syslog.tenant', syslog.tenant)
  }
}

function stringList(field: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v === '')) throw new CollectorConfigError(field, 'must be a non-empty list of paths or globs')
}

function validateTail(tail: unknown): void {
  if (!isObject(tail)) throw new CollectorConfigError('tail', 'must be an object with a list of files')
  checkKeys('tail', tail, ['pollInterval', 'tenant', 'files'])
  if (tail.pollInterval !== undefined) parseDurationMs('tail.pollInterval', tail.pollInterval)
  optionalTenant('tail.tenant', tail.tenant)
  if (!Array.isArray(tail.files)) throw new CollectorConfigError('tail.files', 'must be a list of {include: [globs]}')
  tail.files.forEach((entry: unknown, i: number) => {
    const f = `tail.files[${i}]`
    if (!isObject(entry)) throw new CollectorConfigError(f, 'must be an object like {"include": ["/var/log/app/*.log"]}')
    checkKeys(f, entry, ['include', 'exclude', 'format', 'multiline', 'service', 'resource', 'startAt', 'tenant', 'maxBatchBytes'])
    stringList(`${f}.include`, entry.include, true)
    stringList(`${f}.exclude`, entry.exclude, false)
    if (entry.format !== undefined && !LINE_FORMATS.includes(entry.format as LineFormat)) throw new CollectorConfigError(`${f}.format`, `must be one of ${LINE_FORMATS.join(', ')}`)
    if (entry.multiline !== undefined) {
      if (!isObject(entry.multiline)) throw new CollectorConfigError(`${f}.multiline`, 'must be an object like {"start": "^\\d{4}-"}')
      checkKeys(`${f}.multiline`, entry.multiline, ['start'])
      optionalString(`${f}.multiline.start`, entry.multiline.start)
      try {
        if (typeof entry.multiline.start === 'string') new RegExp(entry.multiline.start)
      } catch (error) {
        throw new CollectorConfigError(`${f}.multiline.start`, `cannot compile: ${(error as Error).message}`)
      }
    }
    optionalString(`${f}.service`, entry.service)
    if (entry.resource !== undefined && (!isObject(entry.resource) || Object.values(entry.resource).some((v) => typeof v !== 'string'))) {
      throw new CollectorConfigError(`${f}.resource`, 'must be an object of string values')
    }
    if (entry.startAt !== undefined && entry.startAt !== 'beginning' && entry.startAt !== 'end') throw new CollectorConfigError(`${f}.startAt`, 'must be beginning or end')
    optionalTenant(`${f}.tenant`, entry.tenant)
    if (entry.maxBatchBytes !== undefined && (!Number.isInteger(entry.maxBatchBytes) || (entry.maxBatchBytes as number) < 256)) {
      throw new CollectorConfigError(`${f}.maxBatchBytes`, 'must be an integer of at least 256')
    }
  })
}

function optionalString(field: string, value: unknown, pattern?: RegExp, expected = 'a string'): void {
  if (value === undefined) return
  if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) throw new CollectorConfigError(field, `must be ${expected}, got ${JSON.stringify(value)}`)
}

function optionalTenant(field: string, value: unknown): void {
  optionalString(field, value, TENANT_NAME, '1 to 64 letters, digits, "-" or "_"')
}

function validateScrape(scrape: unknown): void {
  if (!isObject(scrape)) throw new CollectorConfigError('scrape', 'must be an object with a list of jobs')
  checkKeys('scrape', scrape, ['interval', 'timeout', 'tenant', 'jobs'])
  if (scrape.interval !== undefined) parseDurationMs('scrape.interval', scrape.interval)
  if (scrape.timeout !== undefined) parseDurationMs('scrape.timeout', scrape.timeout)
  optionalTenant('scrape.tenant', scrape.tenant)
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
    optionalTenant(`${f}.tenant`, job.tenant)
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
