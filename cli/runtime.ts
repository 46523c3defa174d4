/**
 * @module cli/runtime
 * Settings of the JavaScript runtime and the C library's allocator for a server process,
 * applied before its threads start.
 */
import { setFlagsFromString } from 'node:v8'

/**
 * How far (in percent) a V8 heap may grow past what a full collection left, before the next
 * one. V8 picks up to 300 % on its own for a heap that allocates fast: under sustained log
 * ingest, the engine's part writer (which copies each flush's strings) and the event loop's
 * heap then hold twice what they use. 60 % kept peak memory about 100 MiB lower at the same
 * throughput (bench/RESULTS.md); 25 % cost a third of it in collections.
 */
export const HEAP_GROWING_PERCENT = 60

/** Applies the runtime settings to this process (every thread started afterwards too). */
export function tuneServerRuntime(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
}

/**
 * glibc malloc settings a server runs with unless its environment sets any MALLOC_ variable.
 * By default glibc raises its mmap threshold to the largest buffer freed (up to 32 MiB) and its
 * trim threshold to twice that, so that after the first large column arrays are freed, every
 * thread's arena keeps up to 64 MiB of freed memory resident: with the event loop, decoding,
 * part-writer, query and libuv threads, hundreds of MiB no JavaScript heap accounts for.
 * Fixed thresholds keep buffers of 1 MiB and more mapped on their own (returned when freed)
 * and arenas trimmed past 4 MiB free. One server taking every signal at full speed
 * (bench/ingest-http.ts --serve --together, 20 s, on a busy 2-core machine) peaked at 511 and
 * 481 MiB with them against 635 and 494 MiB without, in runs of similar throughput: lower or
 * equal; the soak's servers keep hundreds of MiB in arenas otherwise. A lower mmap threshold (128 KiB) made ingest about 40 %
 * slower: every buffer mapped costs a page fault per 4 KiB it touches. Fewer arenas
 * (MALLOC_ARENA_MAX=2) saved nothing measurable (588 MiB).
 */
export const MALLOC_SETTINGS = { MALLOC_MMAP_THRESHOLD_: String(1024 * 1024), MALLOC_TRIM_THRESHOLD_: String(4 * 1024 * 1024) } as const

/**
 * Re-executes this process (same pid, arguments and descriptors) with MALLOC_SETTINGS when it
 * runs on glibc without them and its environment sets no MALLOC_ variable of its own: the
 * allocator reads them only at start. Returns when nothing needs doing.
 */
export function execWithAllocatorSettings(): void {
  if (process.platform !== 'linux' || typeof process.execve !== 'function') return
  if (Object.keys(process.env).some((name) => name.startsWith('MALLOC_'))) return
  // musl (Alpine) has no such settings: only glibc reports its version.
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime
  if (glibc === undefined) return
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...process.env, ...MALLOC_SETTINGS })
}
