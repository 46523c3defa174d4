/**
 * Real OpenTelemetry SDKs against the gateway: traces over OTLP/gRPC (gzip), metrics and logs
 * over OTLP/HTTP in protobuf and in JSON; what they sent is read back from the store.
 */
import { context, trace } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as LogsHttpJson } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as LogsHttpProto } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPMetricExporter as MetricsHttpJson } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPMetricExporter as MetricsHttpProto } from '@opentelemetry/exporter-metrics-otlp-proto'
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { GRPC_CODE, startOtlpGrpc, startOtlpHttp, type OtlpServer } from '../ingest/index.ts'
import { bytesToHex, cellValue, METRIC_COLUMNS, METRIC_TYPE, MemoryStore, type Batch } from '../storage/index.ts'
import { readAll } from './support/otlp-http-client.ts'

const store = new MemoryStore()
let http: OtlpServer
let grpc: OtlpServer

beforeAll(async () => {
  http = await startOtlpHttp({ store })
  grpc = await startOtlpGrpc({ store })
})
afterAll(async () => {
  await http.close()
  await grpc.close()
})

function column(batch: Batch, name: string): unknown[] {
  return Array.from({ length: batch.length }, (_, row) => (batch.columns[name] === undefined ? undefined : cellValue(batch.columns[name], row)))
}

describe('traces over OTLP/gRPC', () => {
  test('the trace exporter sends spans with their parent, attributes, events and status', async () => {
    const exporter = new TracesGrpc({ url: `http://${grpc.address}`, compression: 'gzip' as never })
    const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'sdk-test' }), spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const tracer = provider.getTracer('sdk-test-scope', '0.1.0')
    const parentSpan = tracer.startSpan('parent')
    const attributes = { 'http.route': '/x', 'retry.count': 3, ratio: 0.5, ok: true, tags: ['a', 'b'] }
    const childSpan = tracer.startSpan('child', { attributes }, trace.setSpan(context.active(), parentSpan))
    childSpan.addEvent('exception', { 'exception.type': 'Boom' })
    childSpan.setStatus({ code: 2, message: 'failed' })
    childSpan.end()
    parentSpan.end()
    await provider.forceFlush()
    await provider.shutdown()
    const spans = await readAll(store, 'spans')
    expect(spans.length).toBe(2)
    const names = column(spans, 'name')
    const child = names.indexOf('child')
    const parent = names.indexOf('parent')
    expect(column(spans, 'r:service.name')).toEqual(['sdk-test', 'sdk-test'])
    expect(column(spans, 'scope.name')[child]).toBe('sdk-test-scope')
    expect(bytesToHex(cellValue(spans.columns.parentSpanId, child) as Uint8Array)).toBe(bytesToHex(cellValue(spans.columns.spanId, parent) as Uint8Array))
    expect(bytesToHex(cellValue(spans.columns.parentSpanId, parent) as Uint8Array)).toBe('0000000000000000')
    expect(column(spans, 'a:retry.count')[child]).toBe(3n)
    expect(column(spans, 'a:ratio')[child]).toBe(0.5)
    expect(column(spans, 'a:ok')[child]).toBe(true)
    expect(column(spans, 'a:tags')[child]).toEqual(['a', 'b'])
    expect(column(spans, 'statusCode')[child]).toBe(2)
    expect(column(spans, 'statusMessage')[child]).toBe('failed')
    expect(column(spans, 'events')[child]).toMatchObject([{ name: 'exception', attributes: { 'exception.type': 'Boom' } }])
    expect(grpc.metrics.snapshot().accepted.traces).toBe(2)
  })
})

describe.each([
  ['protobuf', MetricsHttpProto, LogsHttpProto],
  ['JSON', MetricsHttpJson, LogsHttpJson],
] as const)('OTLP/HTTP %s exporters', (encoding, MetricExporter, LogExporter) => {
  test('metrics: counter, gauge and histogram points', async () => {
    const service = `metrics-${encoding}`
    const reader = new PeriodicExportingMetricReader({ exporter: new MetricExporter({ url: `http://${http.address}/v1/metrics` }), exportIntervalMillis: 3_600_000 })
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': service }), readers: [reader] })
    const meter = provider.getMeter('meter')
    meter.createCounter('requests').add(5, { route: '/a' })
    meter.createHistogram('latency', { unit: 's' }).record(0.25, { route: '/a' })
    meter.createGauge('temperature').record(21.5)
    await provider.forceFlush()
    await provider.shutdown()
    const all = await readAll(store, 'metrics')
    const rows = column(all, 'r:service.name').flatMap((s, row) => (s === service ? [row] : []))
    const byName = new Map(rows.map((row) => [cellValue(all.columns[METRIC_COLUMNS.name], row), row]))
    const requests = byName.get('requests') as number
    expect(cellValue(all.columns[METRIC_COLUMNS.type], requests)).toBe(METRIC_TYPE.sum)
    expect(cellValue(all.columns[METRIC_COLUMNS.monotonic], requests)).toBe(true)
    expect(cellValue(all.columns[METRIC_COLUMNS.value], requests)).toBe(5)
    expect(cellValue(all.columns['a:route'], requests)).toBe('/a')
    const latency = byName.get('latency') as number
    expect(cellValue(all.columns[METRIC_COLUMNS.type], latency)).toBe(METRIC_TYPE.histogram)
    expect(cellValue(all.columns[METRIC_COLUMNS.count], latency)).toBe(1n)
    expect(cellValue(all.columns[METRIC_COLUMNS.sum], latency)).toBe(0.25)
    expect(cellValue(all.columns[METRIC_COLUMNS.unit], latency)).toBe('s')
    const temperature = byName.get('temperature') as number
    expect(cellValue(all.columns[METRIC_COLUMNS.type], temperature)).toBe(METRIC_TYPE.gauge)
    expect(cellValue(all.columns[METRIC_COLUMNS.value], temperature)).toBe(21.5)
  })

  test('logs: body, severity, attributes', async () => {
    const service = `logs-${encoding}`
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      processors: [new SimpleLogRecordProcessor({ exporter: new LogExporter({ url: `http://${http.address}/v1/logs` }) })],
    })
    const logger = provider.getLogger('app')
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'disk full', attributes: { 'disk.free': 0 } })
    logger.emit({ severityNumber: SeverityNumber.INFO, body: { structured: true } })
    await provider.forceFlush()
    await provider.shutdown()
    const all = await readAll(store, 'logs')
    const rows = column(all, 'r:service.name').flatMap((s, row) => (s === service ? [row] : []))
    expect(rows.length).toBe(2)
    const [first, second] = rows
    expect(cellValue(all.columns.body, first)).toBe('disk full')
    expect(cellValue(all.columns.severityNumber, first)).toBe(SeverityNumber.ERROR)
    expect(cellValue(all.columns.severityText, first)).toBe('ERROR')
    expect(cellValue(all.columns['a:disk.free'], first)).toBe(0n)
    expect(cellValue(all.columns.bodyValue, second)).toEqual({ structured: true })
    expect(cellValue(all.columns.timeUnixNano, first)).toBeGreaterThan(1_700_000_000_000_000_000n)
  })
})

describe('an export over the size limit', () => {
  test('the gRPC trace exporter is told RESOURCE_EXHAUSTED, a permanent failure it does not retry', async () => {
    const small = await startOtlpGrpc({ store: new MemoryStore(), maxRequestBytes: 4096 })
    try {
      const memory = new InMemorySpanExporter()
      const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] })
      provider.getTracer('big').startSpan('big', { attributes: { blob: 'x'.repeat(64 * 1024) } }).end()
      await provider.forceFlush()
      expect(memory.getFinishedSpans().length).toBe(1)
      const exporter = new TracesGrpc({ url: `http://${small.address}` })
      const result = await new Promise<ExportResult>((done) => exporter.export(memory.getFinishedSpans(), done))
      await exporter.shutdown()
      expect(result.code).toBe(ExportResultCode.FAILED)
      expect((result.error as { code?: number }).code).toBe(GRPC_CODE.RESOURCE_EXHAUSTED)
      expect(result.error?.message).toMatch(/larger than max/)
    } finally {
      await small.close()
    }
  })
})
