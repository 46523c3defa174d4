/**
 * @module ingest/limits
 * Every number the OTLP gateway enforces, with the reason for its value. Options may override
 * the ones marked "default"; the others protect the decoder itself.
 */

/** Default largest request body, after decompression (the configuration's `maxRequestBytes`). */
export const DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024

/**
 * Default bound on bytes of request bodies being decoded or appended at once. Decoded columns
 * take a few times the body size, so 128 MiB of bodies keeps the server well under 1 GiB.
 * A request that would pass it is answered 429 with Retry-After instead of queued.
 */
export const DEFAULT_MAX_INFLIGHT_BYTES = 128 * 1024 * 1024

/**
 * Default of how far past the server's clock a record's time may lie (the configuration's
 * `maxFutureSkew`): one hour. Hosts with a synchronised clock are within a second; an hour
 * tolerates a badly set one while keeping data no further ahead than one default time
 * partition (1h), where it would otherwise top every "latest" query until its time comes.
 */
export const DEFAULT_MAX_FUTURE_SKEW_NS = 3_600_000_000_000n

/**
 * Bytes of an oversized body read and thrown away before answering 413. Answering and closing
 * while the client still sends makes the kernel reset the connection, and the client then sees
 * EPIPE or ECONNRESET instead of the answer (RFC 9112, 9.6, "Tear-down"); reading the rest lets
 * the answer arrive. Past this many bytes the connection is answered and closed anyway: 64 MiB
 * is four default request limits, read in well under a second.
 */
export const MAX_DRAIN_BYTES = 64 * 1024 * 1024

/** Seconds a client is told to wait (Retry-After, gRPC RetryInfo) when the server is overloaded. */
export const RETRY_AFTER_SECONDS = 1

/** Nesting of AnyValue arrays and key-value lists; real attributes nest two or three levels. */
export const MAX_ANY_VALUE_DEPTH = 32

/** Attributes on one record, resource or scope (the SDKs' default limit is 128). */
export const MAX_ATTRIBUTES_PER_RECORD = 1024

/** Distinct attribute keys in one request: each becomes a column of the batch. */
export const MAX_ATTRIBUTE_KEYS = 10_000

/** One string or bytes value: 1 MiB holds any real stack trace or log line. */
export const MAX_STRING_BYTES = 1024 * 1024

/**
 * Latest timestamp accepted: 2200-01-01T00:00:00Z in epoch nanoseconds. Storage keeps signed
 * 64-bit nanoseconds (up to year 2262); a record beyond this is a clock or encoding error.
 */
export const MAX_TIME_UNIX_NANO = 7_258_118_400_000_000_000n

/**
 * Strings up to this many bytes are looked up in the decoder's string cache: names, keys and
 * most attribute values are shorter; longer ones (log bodies) are mostly unique.
 */
export const CACHED_STRING_MAX_BYTES = 64

/** Slots of the decoder's string cache (a power of two): 16384 x 64 bytes = 1 MiB of keys. */
export const STRING_CACHE_SLOTS = 16384

/** Encoded attributes (key and value) up to this many bytes are looked up in the attribute cache. */
export const CACHED_ATTRIBUTE_MAX_BYTES = 96

/** Slots of the decoder's attribute cache (a power of two): 16384 x 96 bytes = 1.5 MiB of keys. */
export const ATTRIBUTE_CACHE_SLOTS = 16384

/**
 * A data point's run of consecutive attribute fields (their tags and lengths included) is looked
 * up whole in the attribute run cache in parts of up to this many bytes: a series' few
 * attributes take 50 to 200 bytes, and a part costs one hash and one compare of its bytes.
 */
export const CACHED_ATTRIBUTE_RUN_MAX_BYTES = 256

/**
 * Slots of the decoder's attribute run cache (a power of two): 8192 x 256 bytes = 2 MiB of keys
 * at most, room for the few thousand distinct series a stream of points repeats.
 */
export const ATTRIBUTE_RUN_CACHE_SLOTS = 8192

/**
 * Most decoding threads a listener starts by default (one per core beyond the first): past a few,
 * the event loop's thread, which appends every batch, is the bottleneck and more threads only
 * take memory (each holds its own caches and heap).
 */
export const MAX_DEFAULT_DECODE_THREADS = 4

/**
 * Young generation of a decoding thread's heap, in MiB: a bound on the thread's resident
 * memory for garbage, which is short-lived (the column arrays leave with the batch). Smaller
 * costs throughput: at 8 MiB, collection took about 10% of a decoding thread's time, at 32 MiB
 * under 2% (bench/ingest-http.ts, logs).
 */
export const DECODE_THREAD_YOUNG_GENERATION_MB = 32

/** Longest message kept in a partial-success answer or an error body. */
export const MAX_ERROR_MESSAGE_CHARS = 1024
