/**
 * @module collectors/remote-write/receiver
 * The Prometheus remote-write 1.0 receiver behind `POST /api/v1/write`
 * (https://prometheus.io/docs/specs/prw/remote_write_spec/): a snappy-compressed (block
 * format) protobuf `WriteRequest`. Answers 204 once the samples are durable. Per the spec, a
 * 4xx answer tells the sender not to retry (bad data stays bad) and a 5xx to retry; 429 asks to
 * slow down. Remote-write 2.0 (`proto=io.prometheus.write.v2.Request`) is answered 415, which
 * the 2.0 spec defines as "fall back to 1.0".
 */
import { uncompress } from 'snappyjs'
import { CollectorStats, type BatchSink } from '../collector-stats.ts'
import { CollectorError, sinkFailure } from '../errors.ts'
import { REMOTE_WRITE_MAX_BYTES, RETRY_AFTER_SECONDS } from '../limits.ts'
import { FamilyCache, pointKind } from '../prom-metric-kind.ts'
import { PromPointWriter } from '../prom-point-writer.ts'
import { readCapped } from '../read-capped.ts'
import { decodeWriteRequest } from './write-request-decoder.ts'

export interface RemoteWriteOptions {
  sink: BatchSink
  /** Largest body, compressed and decompressed. */
  maxRequestBytes?: number
}

const SCOPE_NAME = 'blazedb/collectors/remote-write'
const V1_TYPE = 'application/x-protobuf'

/** HTTP status for each failure code; the spec's retry rules follow from it. */
const STATUS: Record<string, number> = {
  MALFORMED: 400,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SINK_REJECTED: 400,
  SINK_UNAVAILABLE: 503,
}

export class RemoteWriteReceiver {
  readonly stats = new CollectorStats('remote-write')
  private readonly sink: BatchSink
  private readonly maxBytes: number
  private readonly families = new FamilyCache()

  constructor(options: RemoteWriteOptions) {
    this.sink = options.sink
    this.maxBytes = options.maxRequestBytes ?? REMOTE_WRITE_MAX_BYTES
  }

  /** Handles one request for `tenant` (the caller has checked the token). Never throws. */
  async handle(tenant: string, request: Request): Promise<Response> {
    this.stats.add('requests')
    try {
      await this.accept(tenant, request)
      this.stats.add('requestsStored')
      return new Response(null, { status: 204 })
    } catch (error) {
      const e = error instanceof CollectorError ? error : sinkFailure(error)
      this.stats.error(e.code, e.message)
      const status = STATUS[e.code] ?? 500
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
      if (status === 503) headers['retry-after'] = String(RETRY_AFTER_SECONDS)
      return new Response(`${e.message}\n`, { status, headers })
    }
  }

  private async accept(tenant: string, request: Request): Promise<void> {
    const type = (request.headers.get('content-type') ?? '').toLowerCase()
    const [mediaType, ...params] = type.split(';').map((s) => s.trim())
    if (mediaType !== V1_TYPE || params.some((p) => p.startsWith('proto=') && p !== 'proto=prometheus.writerequest')) {
      throw new CollectorError('UNSUPPORTED_MEDIA_TYPE', `cannot accept Content-Type ${JSON.stringify(type)}: supported: ${V1_TYPE} (remote-write 1.0, prometheus.WriteRequest)`)
    }
    const encoding = (request.headers.get('content-encoding') ?? '').toLowerCase()
    if (encoding !== 'snappy') throw new CollectorError('UNSUPPORTED_MEDIA_TYPE', `cannot accept Content-Encoding ${JSON.stringify(encoding)}: supported: snappy`)
    const declared = Number(request.headers.get('content-length') ?? '0')
    if (declared > this.maxBytes) throw new CollectorError('TOO_LARGE', `cannot accept a body of ${declared} bytes: the limit is ${this.maxBytes}`)
    const body = await readCapped(request.body, this.maxBytes, 'the body')
    this.stats.add('bytes', body.length)
    let raw: Uint8Array
    try {
      raw = uncompress(body, this.maxBytes)
    } catch (error) {
      const message = (error as Error).message
      if (/too big/.test(message)) throw new CollectorError('TOO_LARGE', `cannot decompress the body: it is over the limit of ${this.maxBytes} bytes`)
      throw new CollectorError('MALFORMED', `cannot decompress the body: not valid snappy block format: ${message}`)
    }
    const req = decodeWriteRequest(raw)
    for (const m of req.metadata) {
      if (m.family !== '') this.families.set(m.family, { type: m.type, help: m.help, unit: m.unit })
    }
    this.stats.add('metadata', req.metadata.length)
    const writer = new PromPointWriter(SCOPE_NAME)
    for (const series of req.timeseries) {
      this.stats.add('nativeHistogramsDropped', series.nativeHistograms)
      const name = series.labels.find(([k]) => k === '__name__')?.[1]
      if (name === undefined || name === '') {
        throw new CollectorError('MALFORMED', `cannot store a series without a __name__ label: ${JSON.stringify(Object.fromEntries(series.labels))}`)
      }
      const known = this.families.lookup(name)
      const kind = pointKind(name, series.labels.some(([k]) => k === 'le'), known, this.families)
      for (const s of series.samples) {
        this.stats.add('samples')
        if (s.stale) this.stats.add('staleMarkers')
        writer.add({ name, labels: series.labels, value: s.stale ? undefined : s.value, timeUnixNano: s.timestampMs * 1_000_000n, kind, help: known?.info.help, unit: known?.info.unit })
      }
    }
    const batch = writer.take()
    if (batch === undefined) return
    try {
      await this.sink(tenant, batch)
    } catch (error) {
      throw sinkFailure(error)
    }
    this.stats.add('pointsStored', batch.length)
  }
}
