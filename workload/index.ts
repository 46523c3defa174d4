/**
 * @module workload
 * A small deterministic generator of realistic telemetry for tests, examples and demos:
 * flat records (to load into other engines and compute expected answers), OTLP/JSON export
 * requests (to send to the server), and storage batches (to append to a Store directly).
 * See README.md.
 */
export { generateWorkload, T0, type WorkloadOptions } from './generate.ts'
export { otlpJson, keyValues, SCOPE, type OtlpJsonRequests } from './otlp-json.ts'
export { appendWorkload, workloadBatches } from './batches.ts'
export { DURATION_BOUNDS } from './metrics.ts'
export { ERROR_SERVICE, ROUTES, SERVICES } from './model.ts'
export type { Attributes, AttrValue, FlatLog, FlatPoint, FlatSpan, HistogramValue, SpanEvent, Workload, WorkloadFacts } from './records.ts'
