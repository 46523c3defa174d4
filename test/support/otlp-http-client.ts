/**
 * @module test/support/otlp-http-client
 * Small helpers for the ingest end-to-end tests: POST to an OTLP/HTTP listener and read what
 * a store holds.
 */
import { concatBatches, DEFAULT_TENANT, type Batch, type Signal, type Store } from '../../storage/index.ts'

export interface Answer {
  status: number
  headers: Headers
  body: Buffer
  text: string
}

/** POSTs `body` to http://address/path. */
export async function post(address: string, path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`http://${address}${path}`, { method: 'POST', body: typeof body === 'string' ? body : Buffer.from(body), headers })
  const bytes = Buffer.from(await res.arrayBuffer())
  return { status: res.status, headers: res.headers, body: bytes, text: bytes.toString('utf8') }
}

/** Every row of one signal a tenant holds, as one batch (empty when none). */
export async function readAll(store: Store, signal: Signal, tenant = DEFAULT_TENANT): Promise<Batch> {
  const parts: Batch[] = []
  for await (const b of store.scan({ tenant, signal })) parts.push(b)
  return parts.length === 0 ? { signal, length: 0, columns: {} } : concatBatches(signal, parts)
}

/** Rows stored for a tenant across all signals. */
export function storedRows(store: Store, tenant = DEFAULT_TENANT): number {
  return store.stats(tenant, 'spans').rows + store.stats(tenant, 'logs').rows + store.stats(tenant, 'metrics').rows
}

export const PROTOBUF = { 'Content-Type': 'application/x-protobuf' }
export const JSON_TYPE = { 'Content-Type': 'application/json' }
