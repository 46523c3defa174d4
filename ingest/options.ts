/**
 * @module ingest/options
 * What the OTLP listeners take, validated once at start (a bad value names the field).
 */
import type { Store } from '../storage/index.ts'
import { Access, type AccessOptions } from '../access/index.ts'
import type { InflightLimiter } from './inflight.ts'
import { Intake } from './intake.ts'
import { availableParallelism } from 'node:os'
import { DEFAULT_MAX_REQUEST_BYTES, MAX_DEFAULT_DECODE_THREADS } from './limits.ts'
import { DecodePool } from './decode-pool.ts'
import { IngestPipeline } from './pipeline.ts'
import type { IngestMetrics } from './self-metrics.ts'
import type { TimeWindowOptions } from './time-window.ts'
import type { TlsSource } from './tls.ts'

export interface OtlpServerOptions {
  /**
   * The intake the listener hands its batches to (intake.ts), shared with other listeners and
   * producers; when given, `store`, `metrics`, `maxInflightBytes` and `timeWindow` are its own
   * and must not be passed here.
   */
  intake?: Intake
  /** Where accepted batches are appended (without `intake`: the listener makes its own). */
  store?: Store
  /** Bearer tokens; none (the default) means no authentication and DEFAULT_TENANT. Ignored with `access`. */
  tokens?: AccessOptions['tokens']
  /** The server's token check (blazedb serve passes its one Access to every listener). */
  access?: Access
  /** Largest request body after decompression (DEFAULT_MAX_REQUEST_BYTES). */
  maxRequestBytes?: number
  /** Bound on request bytes in flight before answering 429 / UNAVAILABLE (DEFAULT_MAX_INFLIGHT_BYTES). */
  maxInflightBytes?: number
  /** Interface to listen on (127.0.0.1). */
  host?: string
  /** Port; 0 (the default) picks a free one. */
  port?: number
  /** Counters to add to; pass one instance to both listeners to count them together. */
  metrics?: IngestMetrics
  /** Worker threads that decode requests; 0 decodes on the event loop's thread (defaultDecodeThreads()). */
  decodeThreads?: number
  /** Decoding threads shared with other listeners (the caller closes it); overrides `decodeThreads`. */
  decodePool?: DecodePool
  /** Serve TLS with this certificate (followed as it changes); plain text when absent. */
  tls?: TlsSource
  /**
   * The ingest time window (time-window.ts): retention per signal (none by default: no lower
   * bound; `blazedb serve` passes the configured retention), how far in the future a record may
   * lie (DEFAULT_MAX_FUTURE_SKEW_NS), and the clock.
   */
  timeWindow?: TimeWindowOptions
}

/** A running listener. */
export interface OtlpServer {
  /** host:port it is bound to. */
  readonly address: string
  readonly port: number
  readonly metrics: IngestMetrics
  close(): Promise<void>
}

/** Options resolved to the objects a listener runs with. */
export interface OtlpRuntime {
  pipeline: IngestPipeline
  access: Access
  inflight: InflightLimiter
  maxRequestBytes: number
  host: string
  port: number
  tls?: TlsSource
}

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`invalid OTLP option ${field}: expected a positive integer, got ${value}`)
  return value
}

/** One decoding thread per core beyond the first (which runs the event loop), at most MAX_DEFAULT_DECODE_THREADS. */
export function defaultDecodeThreads(): number {
  return Math.min(MAX_DEFAULT_DECODE_THREADS, availableParallelism() - 1)
}

export function resolveOptions(options: OtlpServerOptions): OtlpRuntime {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`invalid OTLP option port: expected 0..65535, got ${port}`)
  const threads = options.decodeThreads ?? defaultDecodeThreads()
  if (!Number.isSafeInteger(threads) || threads < 0) throw new RangeError(`invalid OTLP option decodeThreads: expected 0 or a positive integer, got ${threads}`)
  // Everything that can throw comes before the decoding threads start.
  const access = options.access ?? new Access({ tokens: options.tokens })
  const maxRequestBytes = positive('maxRequestBytes', options.maxRequestBytes, DEFAULT_MAX_REQUEST_BYTES)
  const intake = options.intake ?? ownIntake(options)
  if (options.intake !== undefined) {
    for (const field of ['store', 'metrics', 'maxInflightBytes', 'timeWindow'] as const) {
      if (options[field] !== undefined) throw new RangeError(`invalid OTLP option ${field}: the intake given has its own`)
    }
  }
  const decoder = options.decodePool ?? new DecodePool(threads)
  return {
    pipeline: new IngestPipeline(intake, decoder, options.decodePool === undefined),
    access,
    inflight: intake.inflight,
    maxRequestBytes,
    host: options.host ?? '127.0.0.1',
    port,
    tls: options.tls,
  }
}

function ownIntake(options: OtlpServerOptions): Intake {
  if (options.store === undefined) throw new RangeError('invalid OTLP options: a store or an intake is needed')
  return new Intake({ store: options.store, metrics: options.metrics, maxInflightBytes: options.maxInflightBytes, timeWindow: options.timeWindow })
}

/** host:port, with brackets for IPv6. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** The handle of a listener bound to `port` that `close` stops (and its decoding threads after it). */
export function serverHandle(rt: OtlpRuntime, port: number, close: () => Promise<void>): OtlpServer {
  const stop = async () => {
    await close()
    await rt.pipeline.close()
  }
  return { address: formatHostPort(rt.host, port), port, metrics: rt.pipeline.metrics, close: stop }
}
