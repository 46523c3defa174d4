/**
 * @module test/support/alert-server
 * The real server in-process (startServer on port 0 with a temporary data directory) for the
 * alerting tests, and the OpenTelemetry SDK senders they feed it with.
 */
import { SpanKind } from '@opentelemetry/api'
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node'
import type { Config } from '../../cli/config.ts'
import { startServer, type RunningServer } from '../../cli/serve.ts'

/** startServer with its lines kept (and not printed). */
export async function startQuietServer(config: Config, lines: string[] = []): Promise<RunningServer> {
  return startServer(config, { log: (line) => lines.push(line) })
}

/** Server spans of `service` lasting exactly `durationMs`, ending now, sent by the OTLP/HTTP protobuf exporter. */
export async function sendSpans(otlpHttp: string, service: string, durationMs: number, count = 1): Promise<void> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${otlpHttp}/v1/traces` }))],
  })
  const tracer = provider.getTracer('alerts-test')
  const end = Date.now()
  for (let i = 0; i < count; i++) tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, startTime: new Date(end - durationMs) }).end(new Date(end))
  await provider.forceFlush()
  await provider.shutdown()
}

/** ERROR log records of `service`, sent by the OTLP/HTTP protobuf log exporter. */
export async function sendErrorLogs(otlpHttp: string, service: string, count = 1): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://${otlpHttp}/v1/logs` }) })],
  })
  const logger = provider.getLogger('alerts-test')
  for (let i = 0; i < count; i++) logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment failed' })
  await provider.forceFlush()
  await provider.shutdown()
}

export async function getJson(http: string, path: string): Promise<any> {
  const res = await fetch(`http://${http}${path}`)
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}
