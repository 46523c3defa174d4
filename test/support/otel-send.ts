/**
 * @module test/support/otel-send
 * Sends telemetry with the real OpenTelemetry SDK over OTLP/HTTP (protobuf): traces of a few
 * services with nested spans, errors and events, and log records tied to them. Times are spread
 * over the last minutes so that charts have something to draw.
 */
import { context, trace, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs'
import { BatchSpanProcessor, BasicTracerProvider } from '@opentelemetry/sdk-trace-base'

export interface SpanSpec {
  service: string
  name: string
  /** Start, milliseconds since epoch. */
  startMs: number
  durationMs: number
  error?: boolean
  attributes?: Record<string, string | number | boolean>
  kind?: SpanKind
  children?: SpanSpec[]
  /** Links to other spans (trace and span ids, hex). */
  links?: { traceId: string; spanId: string; attributes?: Record<string, string> }[]
  /** Log records written inside this span. */
  logs?: { body: string; severity: SeverityNumber; attributes?: Record<string, string | number> }[]
}

/** Sends the traces (one per root) and their logs (with `headers`, e.g. a token); resolves once both exporters flushed. */
export async function sendTelemetry(otlpHttp: string, roots: SpanSpec[], headers: Record<string, string> = {}): Promise<{ traceIds: string[] }> {
  const byService = new Map<string, { tracer: BasicTracerProvider; logs: LoggerProvider }>()
  const providers = (service: string): { tracer: BasicTracerProvider; logs: LoggerProvider } => {
    let p = byService.get(service)
    if (p === undefined) {
      const resource = resourceFromAttributes({ 'service.name': service, 'host.name': 'test-host' })
      p = {
        tracer: new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${otlpHttp}/v1/traces`, headers }))] }),
        logs: new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://${otlpHttp}/v1/logs`, headers }) })] }),
      }
      byService.set(service, p)
    }
    return p
  }
  const traceIds: string[] = []
  const emit = (spec: SpanSpec, parent: Span | undefined): Span => {
    const p = providers(spec.service)
    const ctx = parent ? trace.setSpan(context.active(), parent) : context.active()
    const span = p.tracer.getTracer('blazedb-ui-test').startSpan(spec.name, { startTime: spec.startMs, attributes: spec.attributes, kind: spec.kind ?? SpanKind.INTERNAL, links: spec.links?.map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: 1 }, attributes: l.attributes })) }, ctx)
    if (spec.error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' })
      span.addEvent('exception', { 'exception.type': 'Error', 'exception.message': `${spec.name} failed` }, spec.startMs + spec.durationMs / 2)
    }
    for (const log of spec.logs ?? []) {
      p.logs.getLogger('blazedb-ui-test').emit({
        body: log.body,
        severityNumber: log.severity,
        severityText: SeverityNumber[log.severity],
        attributes: log.attributes,
        timestamp: spec.startMs + 1,
        context: trace.setSpan(context.active(), span),
      })
    }
    for (const child of spec.children ?? []) emit(child, span)
    span.end(spec.startMs + spec.durationMs)
    return span
  }
  for (const root of roots) traceIds.push(emit(root, undefined).spanContext().traceId)
  for (const p of byService.values()) {
    await p.tracer.forceFlush()
    await p.logs.forceFlush()
    await p.tracer.shutdown()
    await p.logs.shutdown()
  }
  return { traceIds }
}

/** A small shop: `count` checkout requests spread over the `minutes` before `nowMs`, some failing. */
export function shopTraffic(nowMs: number, count = 40, minutes = 20): SpanSpec[] {
  const roots: SpanSpec[] = []
  for (let i = 0; i < count; i++) {
    const start = nowMs - minutes * 60_000 + Math.floor((i * minutes * 60_000) / count)
    const slow = i % 7 === 3
    const error = i % 9 === 4
    const payMs = slow ? 400 + (i % 5) * 60 : 20 + (i % 6) * 5
    roots.push({
      service: 'frontend',
      name: 'GET /checkout',
      kind: SpanKind.SERVER,
      startMs: start,
      durationMs: payMs + 60,
      error,
      attributes: { 'http.route': '/checkout', 'http.response.status_code': error ? 500 : 200 },
      children: [
        { service: 'cart', name: 'load cart', startMs: start + 5, durationMs: 15 + (i % 4) * 3, attributes: { 'cart.items': 1 + (i % 4) } },
        {
          service: 'payments',
          name: 'charge card',
          kind: SpanKind.CLIENT,
          startMs: start + 25,
          durationMs: payMs,
          error,
          attributes: { 'payment.provider': i % 2 === 0 ? 'acme' : 'globex' },
          logs: [error ? { body: `card declined for order ${1000 + i}`, severity: SeverityNumber.ERROR } : { body: `charged order ${1000 + i}`, severity: SeverityNumber.INFO }],
        },
      ],
    })
  }
  return roots
}
