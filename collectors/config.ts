/**
 * @module collectors/config
 * The `collectors` section of the server's configuration file, and its validation (at
 * startup; a bad value names its field).
 */
import { CollectorError } from './errors.ts'

/** What users write under `"collectors"`. Every section is optional. */
export interface CollectorsConfig {
  /** Prometheus remote-write receiver at `POST /api/v1/write` on the HTTP port; on unless `enabled: false`. */
  remoteWrite?: { enabled?: boolean }
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
  checkKeys('', config, ['remoteWrite'])
  const rw = config.remoteWrite
  if (rw !== undefined) {
    if (!isObject(rw)) throw new CollectorConfigError('remoteWrite', 'must be an object like {"enabled": true}')
    checkKeys('remoteWrite', rw, ['enabled'])
    if (rw.enabled !== undefined && typeof rw.enabled !== 'boolean') throw new CollectorConfigError('remoteWrite.enabled', 'must be true or false')
  }
}
