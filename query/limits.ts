/**
 * @module query/limits
 * Every number the query engine depends on, with the reason for its value.
 */

/**
 * Default memory budget of one query, in bytes of buffered state (join build sides, sort
 * buffers, group tables, percentile values, the block a scan has decoded and hands on). 512 MiB holds the build side of a join over a
 * few million rows on a 2-core machine with room left for ingest; beyond it the query fails
 * with MEMORY_LIMIT instead of taking the process down.
 */
export const DEFAULT_MAX_MEMORY_BYTES = 512 * 1024 * 1024

/** Default time limit of one query: long enough for an hour of data, short enough for a UI. */
export const DEFAULT_TIMEOUT_MS = 30_000

/** Most rows a query may return; a larger `limit` is an error rather than a huge response. */
export const MAX_RESULT_ROWS = 100_000

/** Rows a query returns when it has no `limit` and no `stats`: a screenful for a UI. */
export const DEFAULT_RESULT_ROWS = 1_000

/** Largest number of groups `stats` keeps: group tables are the main memory cost of a query. */
export const MAX_GROUPS = 1_000_000

/**
 * The first point of a counter or histogram series counts from zero when its start time is
 * at most this much before the query's range start: the series began at the edge of the
 * window, so all of its value was counted inside it. Five minutes is the default lookback of
 * Prometheus, so both systems agree on a series that began just before a window.
 */
export const COUNTER_START_LOOKBACK_NS = 5n * 60n * 1_000_000_000n

/**
 * Accounting estimates, in bytes, used to check the memory budget without measuring the heap:
 * one buffered cell of a row, one group of `stats` with its key and one state, one join key.
 * (Percentiles count the bytes they hold: agg-quantile.ts.)
 */
export const BYTES_PER_CELL = 16
export const BYTES_PER_GROUP = 200
export const BYTES_PER_JOIN_KEY = 64

/**
 * Stored rows a live subscription may have waiting to be sent before it gives up: a client
 * that reads slower than data arrives would otherwise hold them in memory without bound.
 */
export const SUBSCRIBE_MAX_PENDING_ROWS = 1_000_000

/** Most distinct values the autocomplete endpoints return. */
export const MAX_CATALOG_VALUES = 1_000

/** Longest query text accepted, in characters: a query is typed by a person, not generated data. */
export const MAX_QUERY_LENGTH = 64 * 1024

/** Most empty time buckets `stats ... by bin(time, w)` fills in over a query's range (a week of
 * minutes is 10,080): a finer bin over a longer range leaves gaps rather than inventing rows. */
export const MAX_FILLED_BUCKETS = 20_000

/**
 * Largest `paths × size` (ways through a pattern times the steps of the longest way) of a
 * `matches` pattern run by JavaScript's backtracking RegExp (regex-subset.ts): a search costs
 * at most this many steps per character of the text, about a microsecond, the same order as
 * RE2's own worst case per character. Costlier patterns run on the RE2 engine.
 */
export const MAX_BACKTRACK_STEPS = 1024

/** Deepest group nesting the safe-subset translator follows (it recurses per group); deeper
 * patterns run on the RE2 engine, which has its own limit of 1,000. */
export const MAX_SUBSET_GROUP_DEPTH = 32

/**
 * Deepest nesting of a query: parentheses, `not`, `-`, function calls, joined subqueries and
 * chains of operators (`a or b or ...` nests one level per operator) all count. The parser,
 * printer, planner and evaluator recurse once or twice per level and overflow the stack
 * between 2,000 and 4,000 levels; 256 leaves a wide margin for the frames beneath a request,
 * and no hand-written query comes near it (a long list of alternatives is `x in (...)`).
 */
export const MAX_QUERY_DEPTH = 256

/**
 * Deepest nesting of joins inside the right side of joins, `join (spans | join (...))`: the
 * planner plans each right side twice (once for its columns, once for what the outer query
 * reads from it), so planning time doubles with each level, and every level holds a join's
 * rows in memory. Eight levels is far past any real question.
 */
export const MAX_JOIN_DEPTH = 8

/**
 * Longest a query runs on the event loop before it lets other work run (Budget.pace): the
 * same loop answers /healthz and acknowledges OTLP exports. An export takes several turns of
 * the loop (read the body, decode on a thread, append, sync, answer), each of which may wait
 * one slice behind a query: 4 ms slices keep an export within about 20 ms of its time alone,
 * under the 100 ms promised, while costing a query one loop turn (tens of microseconds, about
 * 1 %) per slice.
 */
export const PACE_SLICE_MS = 4

/**
 * Rows operators that multiply or reorder rows (join, sort) produce or handle between two
 * checks of the clock: about a millisecond of work, so a slice overshoots PACE_SLICE_MS by
 * little, and batches stay small enough for the memory accounting to follow them.
 */
export const PACE_ROWS = 8_192

/**
 * Most query threads. Queries run on threads of their own (query-service.ts) so that decoding
 * blocks and running operators never holds up the event loop that acknowledges exports; the
 * pool has one thread per core up to this many: more threads than cores only adds memory
 * (a heap and a block cache each), and a query's own scan is sequential.
 */
export const MAX_QUERY_THREADS = 4

/**
 * Bytes of decoded column chunks all query threads together keep for repeated scans, in one
 * cache they share (storage's SharedBlockCache: arrays in shared memory, so a chunk is decoded
 * once for every thread). 256 MiB holds the columns Q1..Q10 read of an hour at the reference
 * rate (bench/RESULTS.md), and stays well inside a 1 GiB server next to ingest's heads. It
 * bounds the cache's memory in the whole process: the strings of a string column, made again
 * in each thread that reads it, count once per thread.
 */
export const QUERY_CACHE_BYTES = 256 * 1024 * 1024

/**
 * Buffers a query thread may keep past the cached chunks it decoded before it collects its
 * garbage (storage's BufferCeiling), as a share of the cache's configured budget (so of
 * memoryLimit: 32 MiB per thread at 1 GiB), checked every QUERY_BUFFER_CHECK_BYTES decoded.
 * Left to V8, the buffers of chunks a dashboard's scans decoded reached 200 to 700 MiB on two
 * query threads (bench/RESULTS.md, soak); a full collection of a query thread's heap takes a
 * few milliseconds, against tens to decode 32 MiB of chunks.
 */
export const QUERY_BUFFER_ALLOWANCE_SHARE = 1 / 8
export const QUERY_BUFFER_CHECK_BYTES = 8 * 1024 * 1024

/**
 * Bytes of chunks a query thread decodes between two young-generation collections, each run
 * at the next block a scan is past (storage's BufferCeiling.passed): the blocks before it are
 * garbage then, young, and a scavenge frees them in about a millisecond. Left to V8, the
 * young generation fills only after gigabytes of chunks (a chunk's arrays are small objects
 * over large buffers), so the buffers waited for a full collection. 8 MiB is a few blocks.
 */
export const QUERY_YOUNG_COLLECT_BYTES = 8 * 1024 * 1024

/**
 * Share of a query's memory budget (maxMemoryBytes) that idle query threads helping its scan
 * may decode ahead of it (query-worker.ts warm), at most half the block cache besides: those
 * chunks wait in the cache, unconsumed, until the scan reaches them. A quarter: 128 MiB at the
 * default budget, the half of the default cache the helpers always had.
 */
export const QUERY_AHEAD_SHARE = 1 / 4

/**
 * Partial aggregates of part blocks each query thread keeps (stats-cache.ts), as a share of
 * the block cache's budget (so of memoryLimit: 16 MiB per thread at 1 GiB, resized with the
 * cache). A block's counts by a few keys take a few hundred bytes to tens of kilobytes: a
 * dashboard's count panels over hours of blocks fit many times over.
 */
export const PARTIAL_CACHE_SHARE = 1 / 16

/**
 * Old-generation heap of one query thread, MiB. A query that buffers past its memory budget's
 * estimate (DEFAULT_MAX_MEMORY_BYTES) is stopped by V8 at this size: the thread dies, the query
 * fails and the pool starts a new thread, instead of the process running out of memory.
 * Twice the default budget, since the budget counts estimated bytes, not heap.
 */
export const QUERY_THREAD_HEAP_MB = 1024

/**
 * Heap a query thread holds for its whole life, MiB, in one array of doubles (no pointers, so
 * marking never looks inside it). V8 sets a heap's next full collection from what survived the
 * last, and starts marking as soon as the room left is under its young generation's size: a
 * query thread keeps only ~12 MiB alive (its garbage goes with each query), so its limit sat
 * within that size of the live heap and V8 marked again right after every full collection,
 * on its helper threads, which run at normal priority beside ingest. With 16 MiB held, V8's
 * helpers spent about a third less CPU per query (bench/mixed.ts's heavy queries, 1M
 * workload), for 16 MiB of memory per thread. The default of a query service; `blazedb serve`
 * sizes it from memoryLimit (cli/memory-budget.ts).
 */
export const QUERY_THREAD_HEAP_RESERVE_MB = 16

/**
 * Rounds of the warm-up queries a query thread runs once started (thread-warmup.ts), at most
 * QUERY_WARMUP_MS of them, stopping at its first query. V8 optimises a function after some
 * hundreds of calls (and loops sooner); a query's fixed path runs once per query, so a cheap
 * query (a trace lookup over HTTP) took about twice as long over its first ten runs on a new
 * thread as later. Each round runs 12 queries over ~200 rows; measured in process (a fresh
 * service, per-query thread CPU over runs 2..11 of Q3, Q4, Q5 at 1M, three rounds), 10 rounds
 * took a third to a half off those runs, and 40 no clearly more (40 rounds took 2 s on a thread
 * of a server starting on a loaded machine). The first query stops it anyway.
 */
export const QUERY_WARMUP_ROUNDS = 20
export const QUERY_WARMUP_MS = 2_000

/**
 * Niceness of query threads (Linux: each thread has its own). 10 gives a query thread about a
 * tenth of the CPU share of the event loop and the decoding threads (weights 110 against 1024)
 * when they compete for a core, so queries take what ingest leaves instead of delaying
 * acknowledgements; alone on a core, a query runs at full speed.
 */
export const QUERY_THREAD_NICE = 10

/**
 * How long a query thread pauses while exports have work for the CPU (yield-gate.ts), per
 * millisecond of CPU time it had: 1 leaves queries at least half of their thread's time under
 * ingest that never stops, and all of it when there is none. A single pause lasts at most
 * QUERY_YIELD_MAX_MS, a few exports' decoding at the reference rate.
 */
export const QUERY_YIELD_SHARE = 1
export const QUERY_YIELD_MAX_MS = 20

/**
 * Share of the machine's CPU (of all its cores) the query threads together may use while ingest
 * has work (cpu-share.ts; config `queryCpuShare`): 0.2 is 400 ms a second of two cores. On a
 * quiet two-core machine at 100k spans/s (bench/mixed.ts), ingest alone took about 650 ms a
 * second; with the heavy queries, query threads that took 520 ms a second kept export p99 within
 * 1.4x of ingest alone, 630 ms a second within 1.73x, and V8's collection helpers (not counted
 * here) added about as much again as the query threads used. Queries alone (no export working
 * for QUERY_INGEST_QUIET_MS) are not paced.
 */
export const QUERY_CPU_SHARE = 0.2
/** CPU milliseconds the threads may spend at once after a quiet spell before the share paces
 * them: a short query (a trace lookup, a dashboard panel) runs without a pause. */
export const QUERY_CPU_BURST_MS = 30
/** Milliseconds with no export working after which ingest counts as quiet: exports at a steady
 * rate come more often than that; a single export does not pace the queries for long. */
export const QUERY_INGEST_QUIET_MS = 250
/** Longest a query thread waits for its share in one pace: what is still owed it waits at the
 * next; well under QUERY_STOP_GRACE_MS, so that a query past its deadline or cancelled stops on its own. */
export const QUERY_CPU_MAX_WAIT_MS = 200

/**
 * Milliseconds a query thread has, past its deadline or a cancellation, to stop on its own
 * (operators check the budget once per batch) before it is terminated and replaced: a little
 * over the longest stretch between two checks (decoding one block, a few milliseconds; a sort
 * of a budget's worth of rows, a few hundred).
 */
export const QUERY_STOP_GRACE_MS = 1_000

/**
 * Queries that may wait while the server's memory is near its limit and queries run one at a
 * time (query-pool.ts); the next is refused (OVERLOADED, 503). A waiting query holds no memory
 * (its snapshots are taken when it starts), so the bound is about waiting, not memory: a
 * dashboard's panels (ten on the built-in overview) wait their turn rather than fail.
 */
export const QUERY_PRESSURE_QUEUE = 16

/**
 * Longest a query held at its pace by the bound on all running queries' memory
 * (query-memory.ts) sleeps before it checks its deadline again: releases wake it at once, so
 * this only bounds how late a timeout is noticed.
 */
export const QUERY_HOLD_SLICE_MS = 50

/**
 * Share of the bound on all running queries' memory (query-memory.ts) past which the pool
 * starts no new query while one runs: a query starts holding little (its first blocks) and
 * grows, so a new one is let in only while there is room for it to grow before the running
 * ones must wait for it at their pace.
 */
export const QUERY_ADMIT_SHARE = 1 / 2

/**
 * Query texts whose last thread the pool remembers (query-pool.ts): a text runs again on the
 * thread that ran it, if free, where its code is compiled and its blocks' derived data (match
 * tables, rare picks, strings of packed dictionaries) already made. A dashboard's panels and
 * alert rules are tens of texts; an entry is a string and a reference.
 */
export const QUERY_AFFINITY_TEXTS = 256

/**
 * A hash join on id keys filters probe rows through a bitset of the indexed rows' ids
 * (join-hash.ts): 16 bits per indexed row leave about 6 % of non-matching probe rows to
 * hash and look up (about 1 % when every key is an id: three bits a row, in one 32-bit word
 * so that a probe row reads one); at most 2^24 bits (2 MiB), reached at a million indexed rows.
 */
export const ID_FILTER_BITS_PER_ROW = 16
export const ID_FILTER_MAX_LOG2 = 24

/**
 * Dictionaries of at least this many entries keep the match tables of the filters run over
 * them (eval-compare.ts): a block's log bodies (tens of thousands of entries) are searched once
 * per filter while the block stays cached, not once per query. Smaller dictionaries are
 * matched again each time: that costs less than keeping their tables.
 */
export const DICT_TABLE_MIN_ENTRIES = 1_024

/**
 * Match tables kept per dictionary (the oldest filter's is dropped first): a byte per entry
 * each, so 4 add about 4 % to a cached block's log bodies (over 100 bytes per entry).
 */
export const DICT_TABLES_PER_DICT = 4

/**
 * A condition on a dictionary code that holds on at most one row in this many of a block is
 * rare (row-select.ts pickCoded): its rows are kept with the block's codes array while the
 * block is cached, so `where status = "error"` reads a few percent of the rows again, not the
 * whole column. Each kept pick costs at most 4 bytes per 8 rows, an eighth of the u32 codes (and
 * 8 bytes per kept row for the bins of a time it is counted by: group-keys.ts binNumbers). At one
 * in 16, the reference workload's error service kept none: its blocks hold more errors.
 */
export const RARE_PICK_SHARE = 8

/**
 * Bytes of pages of percentile values a query thread keeps for the next query
 * (agg-quantile.ts): 32 MiB is eight million durations, a few hours of spans at the reference
 * rate; more are let go.
 */
export const SPARE_SAMPLE_BYTES = 32 * 1024 * 1024

/**
 * Largest page percentiles keep batches' values in (agg-quantile.ts; pages double up to it from
 * 64 KiB): sixteen 65,536-row batches of durations (4 bytes a span), so a query holds at most a
 * batch's 256 KiB unused at the end of its last page.
 */
export const SAMPLE_PAGE_BYTES = 4 * 1024 * 1024

/** Rare picks kept per codes array (the oldest is dropped first). */
export const RARE_PICKS_PER_COLUMN = 4

/**
 * A join passes the left rows' distinct ids of a key to the right side's scan when there are
 * at most this many (op-join.ts): blocks whose trace id bloom filter holds none of them are
 * skipped. Each id is tested against each block's filter (7 bits), so a few hundred cost well
 * under a millisecond per thousand blocks; error logs of a busy hour (tens of thousands of
 * traces, some in every block) would cost more than they could skip.
 */
export const JOIN_PUSH_MAX_IDS = 256
