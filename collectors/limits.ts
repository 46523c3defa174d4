/**
 * @module collectors/limits
 * Every number that shapes the collectors, with its reason.
 */

/**
 * Largest remote-write body accepted, compressed or after snappy decompression, when the
 * server does not pass its own `maxRequestBytes`. Prometheus sends at most
 * `max_samples_per_send` (2,000 by default) samples a request, a few hundred KiB; 16 MiB
 * matches the OTLP gateway's limit.
 */
export const REMOTE_WRITE_MAX_BYTES = 16 * 1024 * 1024

/**
 * Metric families whose metadata (type, help, unit) a remote-write receiver remembers.
 * Prometheus sends metadata in requests of its own, every minute by default, so it must be
 * kept between requests; 100,000 families is far beyond any real Prometheus and bounds the
 * memory (a few MiB) an abusive sender can take.
 */
export const METADATA_CACHE_ENTRIES = 100_000

/** Labels a series may have; Prometheus itself defaults to no limit, but 1024 is OTLP's attribute limit in ingest. */
export const MAX_LABELS_PER_SERIES = 1024

/** Seconds a sender should wait before retrying after a 429 or 503 (the Retry-After header). */
export const RETRY_AFTER_SECONDS = 1

/** The most recent errors each collector keeps for the admin API: enough to see a pattern, bounded memory. */
export const RECENT_ERRORS = 10

/**
 * Largest /metrics answer a scrape reads. node_exporter answers about 100-300 KiB and big
 * exporters (kube-state-metrics) tens of MiB; 64 MiB bounds the memory one target can take.
 */
export const SCRAPE_MAX_BYTES = 64 * 1024 * 1024

/**
 * Bytes of one file read into one batch. 1 MiB is a few thousand log lines: large enough that
 * a busy file costs few appends, small enough that a file found with gigabytes to catch up on
 * is read in steps, each durable before the next.
 */
export const TAIL_MAX_BATCH_BYTES = 1024 * 1024

/** How long received syslog messages wait to be stored together: few appends, little delay. */
export const SYSLOG_FLUSH_MS = 200

/** Syslog messages in one batch; a burst is stored at once rather than waiting for the timer. */
export const SYSLOG_MAX_BATCH = 5000

/**
 * Largest syslog message. RFC 5425 and 6587 let receivers choose; 64 KiB is what UDP can carry
 * and far above the 2048 octets RFC 5424 asks every receiver to take.
 */
export const SYSLOG_MAX_MESSAGE_BYTES = 64 * 1024

/** Tries of one export before a batch is given up (the collector reads it again, or counts it lost). */
export const OTLP_EXPORT_ATTEMPTS = 5

/** First wait between export tries, doubled after each: 0.5, 1, 2, 4 s, about 8 s in all. */
export const OTLP_EXPORT_BACKOFF_MS = 500

/** One export request's timeout: a 1 MiB batch over a slow link, with room. */
export const OTLP_EXPORT_TIMEOUT_MS = 30_000

/**
 * Widest native histogram stored, in bucket indices from its lowest to its highest bucket of
 * one sign (stored densely, gaps as zeros). Schema 8 (the finest) spans 2^-20 to 2^20 in about
 * 10,000 indices; one wider is dropped and counted (`nativeHistogramsDropped`).
 */
export const NATIVE_HISTOGRAM_MAX_BUCKETS = 32_768
