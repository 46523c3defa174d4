/**
 * @module ingest
 * The ingest gateway: one intake (`Intake.accept`) that every producer hands its batches to, and
 * OTLP/HTTP and OTLP/gRPC listeners that decode traces, metrics and logs (protobuf or JSON)
 * straight into storage batches in front of it.
 * Other components import only this file. See README.md.
 */
export { Intake, type AcceptResult, type IntakeOptions } from './intake.ts'
export type { TimeWindowOptions } from './time-window.ts'
export { startOtlpHttp } from './otlp-http/server.ts'
export { startOtlpGrpc, GRPC_EXPORT_PATHS } from './otlp-grpc/server.ts'
export type { OtlpServer, OtlpServerOptions } from './options.ts'
export { IngestError, type IngestErrorCode } from './errors.ts'
export { STATUS_TABLE, GRPC_CODE, type FailureAnswer } from './status-table.ts'
export { IngestMetrics, type IngestStats } from './self-metrics.ts'
export { OtlpDecoder, STORAGE_SIGNAL, type OtlpEncoding, type OtlpSignal } from './otlp/decoder.ts'
export type { DecodedBatch } from './otlp/signal-rows.ts'
export * as limits from './limits.ts'
export { batchToOtlpJson } from './otlp/json-encode.ts'
export { DecodePool } from './decode-pool.ts'
export { defaultDecodeThreads } from './options.ts'
export { followTlsSource, grpcServerCredentials, httpsServerOptions, type TlsMaterial, type TlsSource } from './tls.ts'
