/**
 * @module collectors/export/otlp-http-sink
 * A BatchSink that sends batches to a BlazeDB server (or any OTLP/HTTP receiver) as OTLP/JSON,
 * for `blazedb collect` on another host. Retries what OTLP says to retry (429, 502, 503, 504
 * and network errors; https://opentelemetry.io/docs/specs/otlp/#failures-1), honouring
 * Retry-After, with exponential backoff up to OTLP_EXPORT_ATTEMPTS. Other answers reject at
 * once: 400 and 413 (the data is refused for good) as SINK_REJECTED; any other (a bad token,
 * a wrong endpoint: 401, 403, 404, 415) as SINK_UNAVAILABLE, since the same data goes through
 * once the configuration is fixed. The token, not the tenant argument, decides the tenant on the server.
 * A batch's idempotency key goes in the Idempotency-Key header (a Structured Field string,
 * draft-ietf-httpapi-idempotency-key-header), the same on every attempt: a BlazeDB server
 * stores the rows once however many attempts reach it. A batch without one (scrape, host,
 * syslog) gets a random key, so that the retries of a request whose answer was lost are not
 * stored twice either.
 */
import { randomUUID } from 'node:crypto'
import { batchToOtlpJson } from '../../ingest/index.ts'
import type { Batch } from '../../storage/index.ts'
import type { BatchSink, SinkOptions } from '../collector-stats.ts'
import { CollectorError } from '../errors.ts'
import { OTLP_EXPORT_ATTEMPTS, OTLP_EXPORT_BACKOFF_MS, OTLP_EXPORT_TIMEOUT_MS } from '../limits.ts'

export interface OtlpHttpSinkOptions {
  /** Base URL of the OTLP/HTTP receiver, e.g. http://blazedb:4318. */
  endpoint: string
  /** Bearer token with scope `ingest`. */
  token?: string
  attempts?: number
  backoffMs?: number
}

const PATHS = { spans: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' } as const
const RETRYABLE = new Set([429, 502, 503, 504])
/** The receiver refuses the data itself: sending it again cannot succeed. */
const REFUSED = new Set([400, 413])

/** @example const sink = otlpHttpSink({ endpoint: 'http://127.0.0.1:4318', token: 'secret-token' }) */
export function otlpHttpSink(options: OtlpHttpSinkOptions): BatchSink {
  const base = options.endpoint.replace(/\/+$/, '')
  const attempts = options.attempts ?? OTLP_EXPORT_ATTEMPTS
  const backoff = options.backoffMs ?? OTLP_EXPORT_BACKOFF_MS
  return async (_tenant: string, batch: Batch, sinkOptions?: SinkOptions) => {
    const url = `${base}${PATHS[batch.signal]}`
    const body = JSON.stringify(batchToOtlpJson(batch))
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`
    headers['idempotency-key'] = sfString(sinkOptions?.idempotencyKey ?? `batch:${randomUUID()}`)
    let last = ''
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let wait = backoff * 2 ** (attempt - 1)
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(OTLP_EXPORT_TIMEOUT_MS) })
        const text = await res.text()
        if (res.ok) return
        last = `HTTP ${res.status}: ${text.slice(0, 200)}`
        if (REFUSED.has(res.status)) throw new CollectorError('SINK_REJECTED', `cannot export ${batch.length} ${batch.signal} to ${url}: ${last}`)
        if (!RETRYABLE.has(res.status)) throw new CollectorError('SINK_UNAVAILABLE', `cannot export ${batch.length} ${batch.signal} to ${url}: ${last}; check the endpoint and the token`)
        const after = Number(res.headers.get('retry-after'))
        if (Number.isFinite(after) && after > 0) wait = Math.max(wait, after * 1000)
      } catch (error) {
        if (error instanceof CollectorError) throw error
        last = (error as Error).message
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, wait))
    }
    throw new CollectorError('SINK_UNAVAILABLE', `cannot export ${batch.length} ${batch.signal} to ${url} after ${attempts} attempts: ${last}`)
  }
}

/** A Structured Field string (RFC 8941 §3.3.3): quoted, `"` and `\\` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`
}
