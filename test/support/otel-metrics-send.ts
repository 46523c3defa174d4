/**
 * @module test/support/otel-metrics-send
 * Sends metrics with the real OpenTelemetry SDK over OTLP/HTTP (protobuf): a request counter
 * and a request-duration histogram per route, and a gauge, exported `rounds` times (cumulative
 * temporality, as the SDK's default) so that rates and quantiles have increases to read.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'

export interface MetricsSpec {
  service: string
  /** Routes and their request durations (seconds) recorded per round. */
  routes: Record<string, number[]>
  /** Extra attributes on every point (attribute keys and values as the data has them). */
  attributes?: Record<string, string>
  rounds?: number
}

export async function sendMetrics(otlpHttp: string, spec: MetricsSpec): Promise<void> {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `http://${otlpHttp}/v1/metrics` }), exportIntervalMillis: 3_600_000 })
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': spec.service }), readers: [reader] })
  const meter = provider.getMeter('blazedb-ui-test')
  const requests = meter.createCounter('http.server.request.count', { unit: '{request}', description: 'Requests served' })
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Request duration', advice: { explicitBucketBoundaries: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] } })
  let inFlight = 0
  meter.createObservableGauge('http.server.active_requests', { unit: '{request}' }).addCallback((r) => r.observe(inFlight, spec.attributes))
  for (let round = 0; round < (spec.rounds ?? 3); round++) {
    for (const [route, seconds] of Object.entries(spec.routes)) {
      for (const s of seconds) {
        requests.add(1, { 'http.route': route, ...spec.attributes })
        duration.record(s, { 'http.route': route, ...spec.attributes })
      }
    }
    inFlight = 3 + round
    await reader.forceFlush()
    // Points of one series need distinct times for a rate: the SDK stamps them in milliseconds.
    await new Promise((r) => setTimeout(r, 5))
  }
  await provider.shutdown()
}
