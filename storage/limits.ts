/**
 * @module storage/limits
 * Every number that shapes the storage engine, with the reason for its value.
 */

/** Deepest nesting of a general value. OTLP values nest arrays and key-value lists; 64 levels
 * is far past any real attribute and keeps recursive decoding well inside the stack. */
export const MAX_VALUE_DEPTH = 64

/** Most items in one array or key-value list, so a corrupt count cannot allocate gigabytes. */
export const MAX_VALUE_ITEMS = 1 << 24

/** Most rows in one batch or block (2^24): counts are checked against it before allocating. */
export const MAX_ROWS = 1 << 24

/** Most list elements in one column chunk (a 14-bucket histogram over a full block needs under
 * a million), so that a corrupt length cannot allocate without bound. */
export const MAX_LIST_VALUES = 1 << 24

/** Most columns in one batch or block. Attribute keys become columns; beyond this many a
 * batch is refused, which bounds the per-column overhead of a hostile attribute set. */
export const MAX_COLUMNS = 4096

/** Largest BlazeBinary frame payload (1 GiB): the length field is checked before reading. */
export const MAX_FRAME_PAYLOAD = 1 << 30

/** Rows per block in a part file. 65,536 rows amortise per-column headers, nonces and tags to
 * well under a byte per row, and decode in a few milliseconds, which bounds scan latency. */
export const BLOCK_ROWS = 65_536

/** Rows the in-memory head holds before it is frozen and flushed to part files. The write-ahead
 * log covers them until then; larger heads make fewer, better-compressed parts. */
export const HEAD_FLUSH_ROWS = 1_000_000

/** Bytes (estimated) the in-memory head holds before it is flushed, whichever of rows and
 * bytes comes first. A flush hands the head to the part writer thread (its strings copied, its
 * arrays shared), so this bounds the memory a flush needs; appends wait while a flush is under
 * way once the head and the head being flushed hold three times this. 32 MiB: sustained ingest peaked 70 MiB (logs) to 150 MiB (metrics) lower than
 * with 48, at the same throughput (bench/RESULTS.md); smaller makes more parts to merge. */
export const HEAD_FLUSH_BYTES = 32 * 1024 * 1024

/** Milliseconds after which a non-empty head is flushed anyway, so that recent data reaches
 * compressed parts (and the WAL stays short) even under a light load. */
export const HEAD_FLUSH_INTERVAL_MS = 60_000

/** A partition with at least this many small parts has them merged into one. */
export const COMPACT_MIN_PARTS = 4

/** A partition whose hour is over has all its parts merged once nothing was flushed into it for
 * this long. Data still arriving for a past hour (a backfill, a collector catching up after an
 * outage) would otherwise have the partition merged again, harder compressed, after every flush. */
export const COMPACT_QUIET_MS = 60_000

/**
 * Parts a partition may gather while the head is due for a flush (appends come faster than
 * flushes take them) before it is merged anyway. A merge holds the next flush back (one part
 * writer): merging after every few flushes under sustained ingest let the head reach twice its
 * flush size, flushed whole while twice as much more arrived, next to the merge's own rows,
 * and spent the part writer's time compressing the same rows again at ZSTD_LEVEL_COMPACT.
 * Sixteen (COMPACT_MAX_PARTS) bounds the parts a query opens; the merges wait for a flush that
 * leaves the head below its flush size (ingest slowed down), or the quiet partition's turn. A
 * merge of such a backlog takes at most half of COMPACT_MAX_ROWS (the engine's compactMaxRows):
 * the rows it holds decoded come on top of a head at its backpressure bound.
 */
export const COMPACT_BACKLOG_PARTS = 16

/** Most parts and rows one compaction merges: the smallest parts first, so that merging stays
 * proportional to what is new (size-tiered), and the rows held in memory stay bounded. */
export const COMPACT_MAX_PARTS = 16
export const COMPACT_MAX_ROWS = 600_000

/** zstd levels: fast when flushing the head, stronger when compacting immutable parts. */
export const ZSTD_LEVEL_FLUSH = 3
export const ZSTD_LEVEL_COMPACT = 9

/** Bytes of decoded column chunks kept in memory for repeated scans. */
export const BLOCK_CACHE_BYTES = 512 * 1024 * 1024

/**
 * A string chunk whose dictionary has at least this many entries is kept as UTF-8 bytes, its
 * strings made only when something reads them (utf8-strings.ts). A block's log bodies (tens of
 * thousands of entries, ~50 bytes each) take about a third of the memory that way (a JS string
 * and its slot take ~70 bytes more), so three times as many fit a block cache, and a `contains`
 * searches the bytes instead of making strings. Names, routes and enum-like values (tens to
 * hundreds of entries) stay strings: each query would otherwise make them again.
 */
export const UTF8_DICT_MIN_ENTRIES = 1_024

/** scrypt cost: N = 2^15, r = 8, p = 1 takes about 0.1 s and 32 MiB, once at open (the
 * parameters recommended for interactive logins). */
export const SCRYPT_N = 1 << 15
export const SCRYPT_R = 8
export const SCRYPT_P = 1
/** Memory scrypt may use: 128 * N * r bytes plus slack. */
export const SCRYPT_MAXMEM = 64 * 1024 * 1024

/**
 * Working buffers of list columns (histogram buckets and bounds, quantiles) a batch builder keeps
 * between batches (per thread), and the largest one kept: a decoded request's lists take tens to hundreds of KiB,
 * so six of up to 1 MiB each hold a thread's usual lists with at most 6 MiB.
 */
export const SPARE_LISTS = 6
export const SPARE_LIST_MAX_BYTES = 1024 * 1024

/** Part indexes a SnapshotScanner keeps decoded, by file id (the least recently used goes
 * first). An index is a few KiB to a few hundred (block statistics, bloom filters); 1,024 parts
 * cover weeks of hourly partitions after compaction, so a query thread decrypts an index once. */
export const SNAPSHOT_INDEX_CACHE_PARTS = 1024

/** Share of a SnapshotScanner's cache budget its decoded part indexes may take besides (bytes
 * estimated: bloom filters, dictionary values, chunk entries). Under live ingest every flush and
 * compaction makes parts with new file ids, a span or log part's index holding a bloom filter
 * of 200 KiB to 1 MiB: bounded by count alone, the indexes of parts long since merged away
 * climbed to hundreds of MiB per query thread. An eighth of the block cache holds hundreds of
 * compacted parts' indexes; a floor of 4 MiB keeps the current hour's with a small cache. */
export const SNAPSHOT_INDEX_CACHE_SHARE = 1 / 8
export const SNAPSHOT_INDEX_CACHE_MIN_BYTES = 4 * 1024 * 1024

/** Milliseconds a scan over head batches runs before it lets the thread's other work (a
 * cancellation message) run: short enough to notice a cancellation promptly. */
export const SCAN_PACE_MS = 10

/** Shared slabs that head batches are copied and packed into for scan snapshots: 1 MiB holds
 * the arrays of a few requests' batches, so a snapshot of a full head names a few dozen
 * SharedArrayBuffers rather than tens of thousands (each costs its post). */
export const SNAPSHOT_SLAB_BYTES = 1 << 20

/** Longest idempotency key (bytes of UTF-8) an append accepts. Keys are identifiers a client
 * derives (a file identity and a byte range, a UUID): 256 is far past those, and bounds the
 * memory of the recent-keys table (RECENT_KEYS_PER_TENANT of them). */
export const IDEMPOTENCY_KEY_MAX_BYTES = 256

/** How long a stored idempotency key is recognised: a retry within this window is answered
 * without storing the batch again. A day covers a collector host down overnight and restarted
 * with a batch still pending; older retries are stored again (at least once). */
export const RECENT_KEYS_MAX_AGE_MS = 24 * 60 * 60 * 1000

/** Most idempotency keys remembered per tenant; past it the oldest are forgotten first. 100,000
 * covers one batch a second from a busy tailed file for a day, in about 20 MB at worst (keys of
 * 256 bytes); the snapshot written at each flush stays a few MB. */
export const RECENT_KEYS_PER_TENANT = 100_000

/** How often each worker thread posts its memory figures (thread-memory.ts): often enough for a
 * scrape every few seconds, rarely enough to cost nothing (one process.memoryUsage() call). */
export const THREAD_MEMORY_REPORT_MS = 2_000

/** A thread silent this long has exited: its last report is dropped. */
export const THREAD_MEMORY_STALE_MS = 30_000

/**
 * Shared memory a thread lets go of before it runs a full garbage collection
 * (shared-memory-gc.ts): bounds what a worker thread keeps of batches it no longer uses to
 * about this much (V8 feels no pressure from them), at one collection of its small heap (15
 * to 60 MiB) per 32 MiB let go of: a decoding thread at the reference live traffic collects
 * about once a second. Not for the thread that answers exports (storage/README.md).
 */
export const SHARED_COLLECT_BYTES = 32 * 1024 * 1024

/** How long the part writer waits idle after a flush before collecting its garbage: under steady
 * ingest the next flush comes sooner and V8 collects as it allocates; after the last one
 * nothing else would (part-worker.ts). */
export const PART_WRITER_IDLE_COLLECT_MS = 2_000

