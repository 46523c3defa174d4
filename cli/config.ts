/**
 * @module cli/config
 * The server's configuration: defaults, then a JSON config file, then environment variables,
 * then command-line flags, each overriding the one before. Validated at startup: a bad value
 * stops the server with a message naming the field.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { AccessError, checkTokenConfig, type TokenConfig } from '../access/index.ts'
import { CollectorConfigError, validateCollectorsConfig, type CollectorsConfig } from '../collectors/index.ts'
import type { AlertsConfig } from '../alerts/index.ts'
import { DEFAULT_MEMORY_LIMIT, memoryBudget, MIN_MEMORY_LIMIT_BYTES, type MemoryBudget } from './memory-budget.ts'

/** What a user writes in the config file (every field optional). */
export interface Config {
  /** Where data, the write-ahead log and the generated key file live. */
  dataDir: string
  /** Password the encryption key is derived from (scrypt). */
  password?: string
  /** File holding the password; created with a random one when neither is set. */
  keyFile?: string
  /** host:port for OTLP/gRPC. */
  otlpGrpcAddr: string
  /** host:port for OTLP/HTTP. */
  otlpHttpAddr: string
  /** host:port for the HTTP API (queries, administration) and /healthz. */
  httpAddr: string
  /** Length of a time partition, e.g. "1h". */
  partitionDuration: string
  /** How long each signal is kept, e.g. "7d"; "0" keeps it forever. */
  retention: { spans: string; logs: string; metrics: string }
  /** Bearer tokens; when the list is empty, no token is needed and everything is tenant "default". */
  tokens: TokenConfig[]
  /** Largest request body accepted by the OTLP endpoints, after decompression, e.g. "16MiB". */
  maxRequestBytes: string
  /** How far past the server's clock a record's time may lie, e.g. "1h" (ingest/limits.ts); older than `retention` is refused too. */
  maxFutureSkew: string
  /** Alert rules and notifications (alerts/README.md); absent: no rules. */
  alerts?: AlertsConfig
  /** PEM certificate chain: with `tlsKeyFile`, every listener speaks TLS. Re-read when it changes. */
  tlsCertFile?: string
  /** PEM private key of `tlsCertFile`. */
  tlsKeyFile?: string
  /** PEM CA certificates: when set, every listener requires a client certificate they signed (mutual TLS). */
  tlsClientCaFile?: string
  /** Collectors run inside the server (collectors/README.md). */
  collectors: CollectorsConfig
  /** Time limit of one query, e.g. "30s": past it the query fails with TIMEOUT (504). */
  queryTimeout: string
  /** Memory budget of one query, e.g. "512MiB": past it the query fails with MEMORY_LIMIT (422); absent: `queriesMaxMemory`. */
  queryMaxMemory?: string
  /** Memory all queries running on the query threads hold together, e.g. "384MiB": past it all but the oldest wait at their next pace, and a query that alone passes it fails with MEMORY_LIMIT (422); absent: 3/8 of `memoryLimit`. */
  queriesMaxMemory?: string
  /** Resident memory the server is sized to stay under, e.g. "1GiB": heads, caches, requests in flight and query budgets derive from it (memory-budget.ts). */
  memoryLimit: string
  /** Threads that run queries; absent: one per core, up to 4; 0 runs queries on the event loop. */
  queryThreads?: number
  /** Whether query threads keep blocks' partial aggregates for repeated queries (query/README.md); absent: true. */
  queryPartials?: boolean
  /** Share of all cores the query threads together may use while exports keep coming (query/README.md); absent: 0.2. */
  queryCpuShare?: number
  /** Directory of dashboard JSON files provisioned at start (read-only in the UI); "" for none. */
  dashboardsDir: string
  /** Origins allowed to embed UI pages in an iframe, like "https://wiki.example.com". */
  embedOrigins: string[]
}

export type { Scope as TokenScope, TokenConfig } from '../access/index.ts'

export const DEFAULT_CONFIG: Config = {
  dataDir: './data',
  otlpGrpcAddr: '127.0.0.1:4317',
  otlpHttpAddr: '127.0.0.1:4318',
  httpAddr: '127.0.0.1:4319',
  partitionDuration: '1h',
  retention: { spans: '7d', logs: '7d', metrics: '30d' },
  tokens: [],
  maxRequestBytes: '16MiB',
  maxFutureSkew: '1h',
  collectors: {},
  queryTimeout: '30s',
  memoryLimit: DEFAULT_MEMORY_LIMIT,
  dashboardsDir: '',
  embedOrigins: [],
}

/** Environment variables and the fields they set. */
export const ENV_VARS = {
  BLAZEDB_DATA_DIR: 'dataDir',
  BLAZEDB_PASSWORD: 'password',
  BLAZEDB_KEY_FILE: 'keyFile',
  BLAZEDB_OTLP_GRPC_ADDR: 'otlpGrpcAddr',
  BLAZEDB_OTLP_HTTP_ADDR: 'otlpHttpAddr',
  BLAZEDB_HTTP_ADDR: 'httpAddr',
  BLAZEDB_TLS_CERT_FILE: 'tlsCertFile',
  BLAZEDB_TLS_KEY_FILE: 'tlsKeyFile',
  BLAZEDB_TLS_CLIENT_CA_FILE: 'tlsClientCaFile',
} as const satisfies Record<string, keyof Config>

export class ConfigError extends Error {
  readonly field: string
  constructor(field: string, message: string) {
    super(`invalid configuration: ${field}: ${message}`)
    this.name = 'ConfigError'
    this.field = field
  }
}

/** Flags that may set a field, as parsed by the command line. */
export type ConfigFlags = Partial<Record<'config' | 'data-dir' | 'password' | 'key-file' | 'otlp-grpc-addr' | 'otlp-http-addr' | 'http-addr', string>>

/**
 * The effective configuration.
 * @example loadConfig({ 'data-dir': '/var/lib/blazedb' }, process.env)
 */
export function loadConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): Config {
  let config: Config = { ...DEFAULT_CONFIG, retention: { ...DEFAULT_CONFIG.retention } }
  const file = flags.config ?? env.BLAZEDB_CONFIG
  if (file !== undefined) config = mergeFile(config, file)
  for (const [name, field] of Object.entries(ENV_VARS)) {
    const value = env[name]
    if (value !== undefined && value !== '') (config as unknown as Record<string, unknown>)[field] = value
  }
  const fromFlags: Partial<Config> = {
    dataDir: flags['data-dir'],
    password: flags.password,
    keyFile: flags['key-file'],
    otlpGrpcAddr: flags['otlp-grpc-addr'],
    otlpHttpAddr: flags['otlp-http-addr'],
    httpAddr: flags['http-addr'],
  }
  for (const [field, value] of Object.entries(fromFlags)) {
    if (value !== undefined) (config as unknown as Record<string, unknown>)[field] = value
  }
  validateConfig(config)
  config.dataDir = resolve(config.dataDir)
  if (config.keyFile !== undefined) config.keyFile = resolve(config.keyFile)
  if (config.alerts?.ruleFiles !== undefined) config.alerts = { ...config.alerts, ruleFiles: config.alerts.ruleFiles.map((f) => resolve(f)) }
  for (const field of ['tlsCertFile', 'tlsKeyFile', 'tlsClientCaFile'] as const) {
    if (config[field] !== undefined) config[field] = resolve(config[field])
  }
  return config
}

function mergeFile(config: Config, file: string): Config {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new ConfigError('config', `cannot read ${file}: ${(error as Error).message}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('config', `${file} must hold a JSON object`)
  }
  const known = new Set(Object.keys(DEFAULT_CONFIG).concat(['password', 'keyFile', 'tlsCertFile', 'tlsKeyFile', 'tlsClientCaFile', 'alerts', 'queryThreads', 'queryMaxMemory', 'queriesMaxMemory', 'queryPartials', 'queryCpuShare']))
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw new ConfigError(key, `unknown field in ${file}; known fields: ${[...known].join(', ')}`)
  }
  const p = parsed as Partial<Config>
  return { ...config, ...p, retention: { ...config.retention, ...(p.retention ?? {}) } }
}

/** Parses "host:port"; port 0 asks the system for a free port. */
export function parseAddr(field: string, addr: string): { host: string; port: number } {
  const at = addr.lastIndexOf(':')
  const host = addr.slice(0, at).replace(/^\[(.*)\]$/, '$1')
  const port = Number(addr.slice(at + 1))
  if (at <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(field, `expected host:port, like 127.0.0.1:4318, got ${JSON.stringify(addr)}`)
  }
  return { host, port }
}

const DURATION_UNITS: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9, w: 7 * 86400e9 }

/** Parses a duration like "90s", "1h" or "7d" into nanoseconds; "0" is zero. */
export function parseDurationNs(field: string, text: string): bigint {
  if (text === '0') return 0n
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text)
  if (m === null) throw new ConfigError(field, `expected a duration like 30s, 1h or 7d, got ${JSON.stringify(text)}`)
  return BigInt(m[1]) * BigInt(DURATION_UNITS[m[2]])
}

const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }

/** Parses a size like "512KiB" or "16MiB" into bytes. */
export function parseBytes(field: string, text: string): number {
  const m = /^(\d+)(B|KiB|MiB|GiB)$/.exec(text)
  if (m === null) throw new ConfigError(field, `expected a size like 512KiB or 16MiB, got ${JSON.stringify(text)}`)
  return Number(m[1]) * SIZE_UNITS[m[2]]
}

/** The query limits of the config, in the units the engine takes; throws naming a bad field. */
export function queryLimits(config: Config): { timeoutMs: number; maxMemoryBytes: number } {
  const timeoutMs = Number(parseDurationNs('queryTimeout', config.queryTimeout) / 1_000_000n)
  if (timeoutMs < 1) throw new ConfigError('queryTimeout', `must be at least 1ms, got ${JSON.stringify(config.queryTimeout)}`)
  const maxMemoryBytes = config.queryMaxMemory === undefined ? memoryBudgetOf(config).queryMaxMemoryBytes : parseBytes('queryMaxMemory', config.queryMaxMemory)
  if (maxMemoryBytes < 1024 * 1024) throw new ConfigError('queryMaxMemory', `must be at least 1MiB, got ${JSON.stringify(config.queryMaxMemory)}`)
  return { timeoutMs, maxMemoryBytes }
}

/** The sizes `memoryLimit` gives the server's parts; throws naming the field when it is bad. */
export function memoryBudgetOf(config: Config): MemoryBudget {
  const limit = parseBytes('memoryLimit', config.memoryLimit)
  if (limit < MIN_MEMORY_LIMIT_BYTES) throw new ConfigError('memoryLimit', `must be at least 384MiB (the threads of a server under load take about 350MiB), got ${JSON.stringify(config.memoryLimit)}`)
  const budget = memoryBudget(limit)
  if (config.queriesMaxMemory === undefined) return budget
  const queries = parseBytes('queriesMaxMemory', config.queriesMaxMemory)
  if (queries < 1024 * 1024 || queries > limit) throw new ConfigError('queriesMaxMemory', `must be at least 1MiB and at most memoryLimit (${config.memoryLimit}), got ${JSON.stringify(config.queriesMaxMemory)}`)
  return { ...budget, queriesMaxMemoryBytes: queries, queryMaxMemoryBytes: queries }
}

export function validateConfig(config: Config): void {
  if (typeof config.dataDir !== 'string' || config.dataDir === '') throw new ConfigError('dataDir', 'must be a non-empty path')
  parseAddr('otlpGrpcAddr', config.otlpGrpcAddr)
  parseAddr('otlpHttpAddr', config.otlpHttpAddr)
  parseAddr('httpAddr', config.httpAddr)
  const partition = parseDurationNs('partitionDuration', config.partitionDuration)
  if (partition < 60_000_000_000n || partition > 7n * 86_400_000_000_000n) {
    throw new ConfigError('partitionDuration', `must be between 1m and 7d, got ${config.partitionDuration}`)
  }
  for (const signal of ['spans', 'logs', 'metrics'] as const) parseDurationNs(`retention.${signal}`, config.retention[signal])
  parseBytes('maxRequestBytes', config.maxRequestBytes)
  parseDurationNs('maxFutureSkew', config.maxFutureSkew)
  if (config.alerts !== undefined && (typeof config.alerts !== 'object' || config.alerts === null || Array.isArray(config.alerts))) {
    throw new ConfigError('alerts', 'must be an object like {"ruleFiles": ["rules.yaml"]}')
  }
  if (config.alerts?.ruleFiles !== undefined && (!Array.isArray(config.alerts.ruleFiles) || config.alerts.ruleFiles.some((f) => typeof f !== 'string'))) {
    throw new ConfigError('alerts.ruleFiles', 'must be a list of file paths')
  }
  for (const field of ['tlsCertFile', 'tlsKeyFile', 'tlsClientCaFile'] as const) {
    const value = config[field]
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new ConfigError(field, 'must be a path to a PEM file')
  }
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new ConfigError(config.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile', 'TLS needs both tlsCertFile and tlsKeyFile')
  }
  if (config.tlsClientCaFile !== undefined && config.tlsCertFile === undefined) {
    throw new ConfigError('tlsClientCaFile', 'mutual TLS needs tlsCertFile and tlsKeyFile too')
  }
  try {
    validateCollectorsConfig(config.collectors)
  } catch (error) {
    if (error instanceof CollectorConfigError) throw new ConfigError(`collectors${error.field === '' ? '' : '.'}${error.field.replace(/^\./, '')}`, error.message)
    throw error
  }
  memoryBudgetOf(config)
  queryLimits(config)
  const qt = config.queryThreads
  if (qt !== undefined && (!Number.isInteger(qt) || qt < 0 || qt > 64)) throw new ConfigError('queryThreads', `must be an integer from 0 to 64, got ${JSON.stringify(qt)}`)
  if (config.queryPartials !== undefined && typeof config.queryPartials !== 'boolean') throw new ConfigError('queryPartials', `must be true or false, got ${JSON.stringify(config.queryPartials)}`)
  const share = config.queryCpuShare
  if (share !== undefined && !(typeof share === 'number' && share >= 0.05 && share <= 1)) throw new ConfigError('queryCpuShare', `must be a number from 0.05 to 1 (1: not paced), got ${JSON.stringify(share)}`)
  if (!Array.isArray(config.tokens)) throw new ConfigError('tokens', 'must be a list of {token, tenant, scopes}')
  config.tokens.forEach((t, i) => {
    try {
      checkTokenConfig(`tokens[${i}]`, t)
    } catch (error) {
      if (error instanceof AccessError) throw new ConfigError(`tokens[${i}]`, error.reason)
      throw error
    }
  })
}
