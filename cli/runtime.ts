/**
 * @module cli/runtime
 * Settings of the JavaScript runtime and the C library's allocator for a server process,
 * applied before its threads start.
 */
import { existsSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'

/**
 * How far (in percent) a V8 heap may grow past what a full collection left, before the next
 * one. V8 picks up to 300 % on its own for a heap that allocates fast: under sustained log
 * ingest, the engine's part writer (which copies each flush's strings) and the event loop's
 * heap then hold twice what they use. 60 % kept peak memory about 100 MiB lower at the same
 * throughput (bench/RESULTS.md); 25 % cost a third of it in collections.
 */
export const HEAP_GROWING_PERCENT = 60

/**
 * Largest semi-space of the event loop's thread's young generation, MiB (V8's own choice on a
 * 64-bit machine: 32 MiB, a young generation of 64 MiB reserved). That thread's garbage is
 * short-lived and small (request bodies and batches are buffers outside its heap): under the
 * soak benchmark its young generation held 1-7 MiB of 64 reserved. 4 MiB costs no measurable
 * throughput (bench/ingest-http.ts --serve --together) and reserves 8 MiB.
 */
export const MAIN_SEMI_SPACE_MB = 4

/** Environment variable by which a re-executed server knows the V8 flags it was given for its event loop's thread only. */
const MAIN_ONLY_FLAGS_VARIABLE = 'BLAZEDB_MAIN_THREAD_V8_FLAGS'

/**
 * Applies the runtime settings to this process (every thread started afterwards too). V8 reads
 * the semi-space flag for a heap when the heap is made: the event loop's heap was made with
 * the one execWithServerSettings passed; worker threads get V8's default (or their own
 * resourceLimits) again, which the process-wide flag would override.
 */
export function tuneServerRuntime(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`)
  if (process.env[MAIN_ONLY_FLAGS_VARIABLE] !== undefined) {
    delete process.env[MAIN_ONLY_FLAGS_VARIABLE]
    setFlagsFromString('--max-semi-space-size=0')
  }
}

/**
 * The V8 flags to start the event loop's thread with, or undefined when it has them, or the
 * operator set a semi-space size (in the arguments or NODE_OPTIONS).
 */
export function mainThreadFlags(execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] | undefined {
  const set = (text: string): boolean => /--max[-_]semi[-_]space[-_]size/.test(text)
  if (execArgv.some(set) || set(env.NODE_OPTIONS ?? '')) return undefined
  return [`--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`]
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
 * jemalloc, where the system has it (Debian and Ubuntu: package libjemalloc2; Fedora: jemalloc).
 * glibc keeps freed memory in one arena per thread and returns it only from an arena's top:
 * with the event loop, decoding, part-writer and query threads each freeing column chunks of
 * under 1 MiB, the soak benchmark's server held 500-650 MiB in thread arenas that no heap
 * accounted for, and kept growing. jemalloc returns freed pages on its own after
 * `dirty_decay_ms` (background threads do it, not the allocating ones).
 */
export const JEMALLOC_PATHS = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/lib64/libjemalloc.so.2', '/usr/lib/libjemalloc.so.2']
export const JEMALLOC_CONF = 'background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0'

/**
 * The allocator settings a server should start with, or undefined to keep its own: none when
 * its environment sets a MALLOC_ variable or LD_PRELOAD (the operator chose), or when the C
 * library is not glibc (musl has no such settings). jemalloc when installed, unless
 * BLAZEDB_ALLOCATOR=glibc; else glibc's MALLOC_SETTINGS.
 */
export function allocatorEnvironment(env: NodeJS.ProcessEnv, glibc: boolean, exists: (path: string) => boolean): Record<string, string> | undefined {
  if (!glibc || env.LD_PRELOAD !== undefined || Object.keys(env).some((name) => name.startsWith('MALLOC_'))) return undefined
  const jemalloc = env.BLAZEDB_ALLOCATOR === 'glibc' ? undefined : JEMALLOC_PATHS.find(exists)
  return jemalloc === undefined ? { ...MALLOC_SETTINGS } : { LD_PRELOAD: jemalloc, MALLOC_CONF: JEMALLOC_CONF }
}

/**
 * Re-executes this process (same pid, arguments and descriptors) with the allocator settings of
 * allocatorEnvironment, which the allocator reads only at start, and the event loop's thread's
 * V8 flags (mainThreadFlags), which V8 reads when it makes that thread's heap. Returns when
 * nothing needs doing.
 */
export function execWithServerSettings(): void {
  if (process.platform !== 'linux' || typeof process.execve !== 'function') return
  // Only glibc reports its version.
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime
  const settings = allocatorEnvironment(process.env, glibc !== undefined, existsSync)
  const flags = mainThreadFlags(process.execArgv, process.env)
  if (settings === undefined && flags === undefined) return
  const marked = flags === undefined ? {} : { [MAIN_ONLY_FLAGS_VARIABLE]: flags.join(' ') }
  process.execve(process.execPath, [process.execPath, ...(flags ?? []), ...process.execArgv, ...process.argv.slice(1)], { ...process.env, ...settings, ...marked })
}
