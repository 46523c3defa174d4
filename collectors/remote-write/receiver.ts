/**
 * @module collectors/remote-write/receiver
 * The Prometheus remote-write receiver behind `POST /api/v1/write`: a snappy-compressed (block
 * format) protobuf, a 1.0 `prometheus.WriteRequest`
 * (https://prometheus.io/docs/specs/prw/remote_write_spec/) or a 2.0
 * `io.prometheus.write.v2.Request` (https://prometheus.io/docs/specs/prw/remote_write_spec_2_0/)
 * as the Content-Type's `proto` parameter says. Answers 204 once the samples are durable, with
 * 2.0's written-counts headers. Per the specs, a 4xx answer tells the sender not to retry (bad
 * data stays bad) and a 5xx to retry; 429 asks to slow down; 415 for another `proto` makes a
 * 2.0 sender fall back to 1.0. Samples and native histograms become metric points
 * (prom-point-writer.ts, native-histogram.ts).
 */
import { uncompress } from 'snappyjs'
import { CollectorStats, type BatchSink } from '../collector-stats.ts'
import { CollectorError, sinkFailure } from '../errors.ts'
import { REMOTE_WRITE_MAX_BYTES, RETRY_AFTER_SECONDS } from '../limits.ts'
import { FamilyCache, familyCandidates, pointKind, type PromFamilyInfo } from '../prom-metric-kind.ts'
import { PromPointWriter } from '../prom-point-writer.ts'
import { readCapped } from '../read-capped.ts'
import { RESET_HINT } from './histogram-decoder.ts'
import { histogramKind, histogramValue } from './native-histogram.ts'
import { decodeWriteRequest, type PromSeries } from './write-request-decoder.ts'
import { decodeWriteRequestV2 } from './write-request-v2-decoder.ts'

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
    const written: Written = { samples: 0, histograms: 0 }
    // 2.0: "Receivers MUST return" what they wrote, on success and on error alike; exemplars are not stored.
    const writtenHeaders = (): Record<string, string> => ({
      'x-prometheus-remote-write-samples-written': String(written.samples),
      'x-prometheus-remote-write-histograms-written': String(written.histograms),
      'x-prometheus-remote-write-exemplars-written': '0',
    })
    try {
      await this.accept(tenant, request, written)
      this.stats.add('requestsStored')
      return new Response(null, { status: 204, headers: writtenHeaders() })
    } catch (error) {
      const e = error instanceof CollectorError ? error : sinkFailure(error)
      this.stats.error(e.code, e.message)
      const status = STATUS[e.code] ?? 500
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', ...writtenHeaders() }
      if (status === 503) headers['retry-after'] = String(RETRY_AFTER_SECONDS)
      return new Response(`${e.message}\n`, { status, headers })
    }
  }

  private async accept(tenant: string, request: Request, written: Written): Promise<void> {
    const version = protocolOf(request.headers.get('content-type') ?? '')
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
    let timeseries: PromSeries[]
    if (version === 2) {
      const req = decodeWriteRequestV2(raw)
      this.stats.add('requestsV2')
      this.stats.add('exemplarsDropped', req.exemplars)
      timeseries = req.timeseries
    } else {
      const req = decodeWriteRequest(raw)
      for (const m of req.metadata) {
        if (m.family !== '') this.families.set(m.family, { type: m.type, help: m.help, unit: m.unit })
      }
      this.stats.add('metadata', req.metadata.length)
      timeseries = req.timeseries
    }
    const writer = new PromPointWriter(SCOPE_NAME)
    let samples = 0
    let histograms = 0
    for (const series of timeseries) {
      const name = series.labels.find(([k]) => k === '__name__')?.[1]
      if (name === undefined || name === '') {
        throw new CollectorError('MALFORMED', `cannot store a series without a __name__ label: ${JSON.stringify(Object.fromEntries(series.labels))}`)
      }
      const known = this.familyOf(name, series)
      const kind = pointKind(name, series.labels.some(([k]) => k === 'le'), known, this.families)
      const startTimeUnixNano = series.createdMs === undefined ? undefined : series.createdMs * 1_000_000n
      const common = { name, labels: series.labels, help: known?.info.help, unit: known?.info.unit, startTimeUnixNano }
      for (const s of series.samples) {
        samples++
        if (s.stale) this.stats.add('staleMarkers')
        writer.add({ ...common, value: s.stale ? undefined : s.value, timeUnixNano: s.timestampMs * 1_000_000n, kind })
      }
      for (const h of series.histograms) {
        const timeUnixNano = h.timestampMs * 1_000_000n
        // The first histogram after a reset starts counting anew (at the latest at its own time).
        const start = h.resetHint === RESET_HINT.yes && startTimeUnixNano === undefined ? timeUnixNano : startTimeUnixNano
        if (h.stale) {
          this.stats.add('staleMarkers')
          writer.add({ ...common, value: undefined, timeUnixNano, kind: histogramKind(h) })
          histograms++
          continue
        }
        const value = histogramValue(h)
        if (typeof value === 'string') {
          // Valid but not storable (see native-histogram.ts): counted, the rest of the request stored.
          this.stats.add('nativeHistogramsDropped')
          continue
        }
        writer.add({ ...common, value: undefined, histogram: value, timeUnixNano, startTimeUnixNano: start, kind: histogramKind(h) })
        histograms++
      }
    }
    this.stats.add('samples', samples)
    this.stats.add('nativeHistograms', histograms)
    const batch = writer.take()
    if (batch === undefined) return
    try {
      await this.sink(tenant, batch)
    } catch (error) {
      throw sinkFailure(error)
    }
    this.stats.add('pointsStored', batch.length)
    written.samples = samples
    written.histograms = histograms
  }

  /** What is known of the family of series `name`: its own metadata (2.0), else the cache (1.0). */
  private familyOf(name: string, series: PromSeries): { family: string; info: PromFamilyInfo } | undefined {
    if (series.metadata === undefined) return this.families.lookup(name)
    // The family is the name without the suffix its type gives it (`_bucket`, `_total`...); an
    // unspecified type keeps the help and unit, and pointKind then goes by the name.
    return { family: familyCandidates(name).at(-1)!, info: series.metadata }
  }
}

/** Samples and histograms stored by a request, for 2.0's `X-Prometheus-Remote-Write-*-Written` headers. */
interface Written {
  samples: number
  histograms: number
}

/**
 * The remote-write version a Content-Type asks for: 1 for `application/x-protobuf` (with
 * `proto=prometheus.WriteRequest` or none), 2 for `proto=io.prometheus.write.v2.Request`.
 * Throws UNSUPPORTED_MEDIA_TYPE for anything else, which 2.0 senders take as "use 1.0".
 */
function protocolOf(contentType: string): 1 | 2 {
  const [mediaType, ...params] = contentType.toLowerCase().split(';').map((s) => s.trim())
  const proto = params.find((p) => p.startsWith('proto='))?.slice('proto='.length)
  if (mediaType === V1_TYPE && (proto === undefined || proto === 'prometheus.writerequest')) return 1
  if (mediaType === V1_TYPE && proto === 'io.prometheus.write.v2.request') return 2
  throw new CollectorError(
    'UNSUPPORTED_MEDIA_TYPE',
    `cannot accept Content-Type ${JSON.stringify(contentType)}: supported: ${V1_TYPE} with proto=prometheus.WriteRequest (remote-write 1.0, the default) or proto=io.prometheus.write.v2.Request (2.0)`,
  )
}
