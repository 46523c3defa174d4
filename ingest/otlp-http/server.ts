/**
 * @module ingest/otlp-http/server
 * OTLP/HTTP on node:http: POST /v1/traces, /v1/metrics, /v1/logs with protobuf or JSON bodies,
 * gzip/deflate/zstd encoded, answered in the request's encoding; CORS for browser SDKs.
 * Spec: opentelemetry-proto docs/specification.md, "OTLP/HTTP".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { ingestTenant } from '../access-check.ts'
import { IngestError } from '../errors.ts'
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../idempotency-key.ts'
import { RETRY_AFTER_SECONDS } from '../limits.ts'
import { resolveOptions, serverHandle, type OtlpRuntime, type OtlpServer, type OtlpServerOptions } from '../options.ts'
import type { OtlpEncoding, OtlpSignal } from '../otlp/decoder.ts'
import { exportResponse, statusMessage } from '../otlp/response.ts'
import { STATUS_TABLE } from '../status-table.ts'
import { followTlsSource, httpsServerOptions } from '../tls.ts'
import { decompress, decompressorFor, readRawBody } from './body.ts'

const PATHS: Readonly<Record<string, OtlpSignal>> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' }

const MEDIA_TYPES: Readonly<Record<string, OtlpEncoding>> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
}
const CONTENT_TYPE: Readonly<Record<OtlpEncoding, string>> = { protobuf: 'application/x-protobuf', json: 'application/json' }

/** How long a browser may cache a CORS preflight answer, in seconds. */
const CORS_MAX_AGE_SECONDS = 86400

/**
 * Starts an OTLP/HTTP listener.
 * @example
 * const server = await startOtlpHttp({ store, port: 0 })
 * // POST http://${server.address}/v1/traces
 * await server.close()
 */
export async function startOtlpHttp(options: OtlpServerOptions): Promise<OtlpServer> {
  const rt = resolveOptions(options)
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(rt, req, res).catch((error: unknown) => {
      // Only a failure to write the answer gets here (the client went away): drop the socket.
      res.destroy(error as Error)
    })
  }
  const server = rt.tls === undefined
    ? createServer({ keepAliveTimeout: 65_000 }, onRequest)
    : createHttpsServer({ keepAliveTimeout: 65_000, ...httpsServerOptions(rt.tls.current()) }, onRequest)
  const unfollow = rt.tls === undefined ? () => {} : followTlsSource(server as HttpsServer, rt.tls)
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(rt.port, rt.host, () => resolve())
    })
  } catch (error) {
    await rt.pipeline.close()
    throw error
  }
  const port = (server.address() as AddressInfo).port
  const close = () =>
    new Promise<void>((resolve) => {
      unfollow()
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return serverHandle(rt, port, close)
}

function setCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*')
  if (origin !== undefined) res.setHeader('Vary', 'Origin')
}

async function handle(rt: OtlpRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  setCors(req, res)
  const path = (req.url ?? '/').split('?')[0]
  const signal = PATHS[path]
  if (req.method === 'OPTIONS' && signal !== undefined) return preflight(req, res)
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  const encoding: OtlpEncoding = MEDIA_TYPES[mediaType] ?? 'json'
  rt.pipeline.metrics.request('http')
  const lease = rt.inflight.lease()
  try {
    if (signal === undefined) throw new IngestError('NOT_FOUND', `cannot route ${path.slice(0, 100)}: OTLP/HTTP serves POST /v1/traces, /v1/metrics and /v1/logs`)
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST, OPTIONS')
      throw new IngestError('METHOD_NOT_ALLOWED', `cannot ${req.method} ${path}: only POST is allowed`)
    }
    if (MEDIA_TYPES[mediaType] === undefined) {
      throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `unsupported media type ${JSON.stringify(mediaType.slice(0, 100))}, supported: [application/json, application/x-protobuf]`)
    }
    const tenant = await ingestTenant(rt.access, req.headers.authorization)
    const idempotencyKey = parseIdempotencyKey(req.headers[IDEMPOTENCY_KEY_HEADER])
    const coding = req.headers['content-encoding'] ?? 'identity'
    const decompressor = decompressorFor(coding)
    const raw = await readRawBody(req, rt.maxRequestBytes, lease)
    // Read: from here to the append's write the request has work for the CPU (inflight.ts).
    lease.work(true)
    const body = await decompress(raw, decompressor, rt.maxRequestBytes, lease, coding)
    // The body is read into buffers of its own and not used again: it is handed to the decoder.
    const result = await rt.pipeline.export(tenant, signal, encoding, body, true, idempotencyKey, lease)
    send(res, 200, CONTENT_TYPE[encoding], exportResponse(signal, encoding, result.rejected, result.message))
  } catch (error) {
    const e = rt.pipeline.failed(error)
    const answer = STATUS_TABLE[e.code]
    if (answer.retryable) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS))
    if (e.code === 'UNAUTHENTICATED') res.setHeader('WWW-Authenticate', 'Bearer')
    // The connection is closed after an unread body (not worth reading) or an oversized one.
    if (!req.complete || e.code === 'TOO_LARGE') res.setHeader('Connection', 'close')
    send(res, answer.http, CONTENT_TYPE[encoding], statusMessage(encoding, answer.grpc, e.message))
  } finally {
    lease.release()
  }
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS')
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding, Authorization, Idempotency-Key')
  res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_SECONDS))
  res.writeHead(204).end()
}

function send(res: ServerResponse, status: number, contentType: string, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length }).end(body)
}
