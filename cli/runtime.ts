/**
 * @module cli/runtime
 * Settings of the JavaScript runtime for a server process, applied before its threads start.
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
