/**
 * @module collectors
 * Collectors that take in data without an OpenTelemetry SDK: the Prometheus remote-write
 * receiver, Prometheus scraping, log files, host metrics and syslog. Each hands storage batches
 * to one sink. Other components import only this file. See README.md.
 */
export { startCollectors, type CollectorsOptions, type RunningCollectors } from './collectors.ts'
export { CollectorStats, type BatchSink, type SinkOptions, type CollectorSnapshot } from './collector-stats.ts'
export { CollectorError, type CollectorErrorCode } from './errors.ts'
export { CollectorConfigError, validateCollectorsConfig, type CollectorsConfig } from './config.ts'
export { RemoteWriteReceiver, type RemoteWriteOptions } from './remote-write/receiver.ts'
export { decodeWriteRequest, type WriteRequest, type PromSeries, type PromSample } from './remote-write/write-request-decoder.ts'
export * as limits from './limits.ts'
export { parseExposition, type Exposition, type ScrapedSample } from './scrape/exposition-parser.ts'
export { SelfTelemetry, type QueueDepths } from './self/self-telemetry.ts'
export { writePromText, type PromFamily } from './self/prom-text-writer.ts'
export { otlpHttpSink, type OtlpHttpSinkOptions } from './export/otlp-http-sink.ts'
