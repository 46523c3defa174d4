/**
 * @module cli/open-store
 * Opens the storage engine the configuration describes, finding its password: the configured
 * one, the configured key file, or a key file created next to the data directory on first start.
 */
import { existsSync } from 'node:fs'
import { openEngine, readOrCreateKeyFile, type Engine } from '../storage/index.ts'
import { memoryBudgetOf, parseDurationNs, type Config } from './config.ts'

/** The default key file: beside the data directory, so that copying the data does not copy the key. */
export function defaultKeyFile(config: Config): string {
  return `${config.dataDir}.key`
}

/** The password to derive the data key from. */
export async function resolvePassword(config: Config, log: (line: string) => void): Promise<string> {
  if (config.password !== undefined && config.password !== '') return config.password
  const keyFile = config.keyFile ?? defaultKeyFile(config)
  if (config.keyFile === undefined && !existsSync(keyFile) && existsSync(config.dataDir) && existsSync(`${config.dataDir}/KEYRING`)) {
    throw new Error(`cannot open ${config.dataDir}: it is encrypted, and neither a password nor the key file ${keyFile} is there (set BLAZEDB_PASSWORD or BLAZEDB_KEY_FILE)`)
  }
  const { password, created } = await readOrCreateKeyFile(keyFile)
  if (created) {
    log(`blazedb: created a random encryption key in ${keyFile} (mode 0600). Keep it safe: the data cannot be read without it. Set BLAZEDB_PASSWORD or BLAZEDB_KEY_FILE to use your own.`)
  }
  return password
}

export async function openStore(config: Config, log: (line: string) => void): Promise<Engine> {
  const password = await resolvePassword(config, log)
  const budget = memoryBudgetOf(config)
  return openEngine({
    dataDir: config.dataDir,
    password,
    partitionDuration: parseDurationNs('partitionDuration', config.partitionDuration),
    retention: {
      spans: parseDurationNs('retention.spans', config.retention.spans),
      logs: parseDurationNs('retention.logs', config.retention.logs),
      metrics: parseDurationNs('retention.metrics', config.retention.metrics),
    },
    headFlushBytes: budget.headFlushBytes,
    // With no query threads, queries scan on the event loop through the engine's own cache.
    blockCacheBytes: config.queryThreads === 0 ? budget.queryCacheBytes : budget.engineCacheBytes,
    compactMaxRows: budget.compactMaxRows,
    log,
  })
}
