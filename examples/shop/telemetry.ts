/**
 * The shop's OpenTelemetry setup, one per service process: traces over OTLP/gRPC, metrics and
 * logs over OTLP/HTTP (protobuf), to the addresses in BLAZEDB_OTLP_GRPC and BLAZEDB_OTLP_HTTP
 * (host:port; defaults 127.0.0.1:4317 and 127.0.0.1:4318).
 */
import { logs, type Logger } from '@opentelemetry/api-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { NodeSDK } from '@opentelemetry/sdk-node'
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'

export interface Telemetry {
  logger: Logger
  /** Exports everything still buffered, then stops. */
  shutdown(): Promise<void>
}

export function startTelemetry(serviceName: string): Telemetry {
  const grpc = process.env.BLAZEDB_OTLP_GRPC ?? '127.0.0.1:4317'
  const http = process.env.BLAZEDB_OTLP_HTTP ?? '127.0.0.1:4318'
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '1.4.2', 'deployment.environment.name': 'demo' }),
    autoDetectResources: false,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://${grpc}` }), { scheduledDelayMillis: 500 })],
    metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `http://${http}/v1/metrics` }), exportIntervalMillis: 5000 })],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `http://${http}/v1/logs` }), scheduledDelayMillis: 500 })],
    instrumentations: [],
  })
  sdk.start()
  return { logger: logs.getLogger('shop'), shutdown: () => sdk.shutdown() }
}
