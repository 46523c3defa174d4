/**
 * @module storage/thread-memory
 * Where a server's memory is, thread by thread: every worker thread (query threads, the part
 * writer, OTLP decoding threads) posts its V8 heap, external and ArrayBuffer figures
 * (process.memoryUsage() as its own isolate sees them) on a BroadcastChannel every
 * THREAD_MEMORY_REPORT_MS; the event loop's thread keeps the latest of each (ThreadMemoryWatch)
 * for /metrics. The process's resident memory is split as Linux accounts it (processMemory).
 *
 * Contract: reports are the latest each thread sent: a thread busy in one long synchronous
 * stretch reports when it is done. A thread that stops reporting (it exited) is forgotten after
 * THREAD_MEMORY_STALE_MS. An ArrayBuffer or SharedArrayBuffer counts in the ArrayBuffer figure
 * of the thread that allocated it, once, until every thread holding it has let go (a body handed
 * to a decoding thread counts on the event loop's; the batches in the head count on the decoding
 * threads'): the figures add up to the process's buffers, but say where buffers were made, not
 * who holds them. `external` counts the ArrayBuffers a thread holds (SharedArrayBuffers not).
 */
import { readFileSync } from 'node:fs'
import { BroadcastChannel, isMainThread, threadId } from 'node:worker_threads'
import { THREAD_MEMORY_REPORT_MS, THREAD_MEMORY_STALE_MS } from './limits.ts'

const CHANNEL = 'blazedb-thread-memory'

/** One thread's memory, bytes, as its isolate counts it. */
export interface ThreadMemory {
  /** What the thread is: 'main', 'query', 'part-writer', 'decode'. */
  role: string
  threadId: number
  heapUsed: number
  heapTotal: number
  /** Memory outside the heap V8 was told of (buffers, ArrayBuffers, native objects). */
  external: number
  /** ArrayBuffers and SharedArrayBuffers the thread allocated that are still alive, wherever held. */
  arrayBuffers: number
  /** Further figures of the thread's own (e.g. a block cache's bytes). */
  extra?: Record<string, number>
}

function sample(role: string, extra?: () => Record<string, number>): ThreadMemory {
  const m = process.memoryUsage()
  return { role, threadId, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, extra: extra?.() }
}

/**
 * Starts this worker thread's reports (nothing on the main thread, which the watch samples
 * itself). The timer and channel keep no thread alive.
 * @example reportThreadMemory('query', () => ({ blockCacheBytes: cache.size.bytes }))
 */
export function reportThreadMemory(role: string, extra?: () => Record<string, number>): void {
  if (isMainThread) return
  const channel = new BroadcastChannel(CHANNEL)
  channel.unref()
  const post = (): void => {
    try {
      channel.postMessage(sample(role, extra))
    } catch {
      // The thread is stopping.
    }
  }
  post()
  setInterval(post, THREAD_MEMORY_REPORT_MS).unref()
}

/** The latest report of every live thread, and the main thread's own figures. */
export class ThreadMemoryWatch {
  private readonly channel = new BroadcastChannel(CHANNEL)
  private readonly latest = new Map<number, { at: number; memory: ThreadMemory }>()

  constructor() {
    this.channel.unref()
    this.channel.onmessage = (event) => {
      const memory = (event as { data: ThreadMemory }).data
      this.latest.set(memory.threadId, { at: performance.now(), memory })
    }
  }

  /** Every thread's figures, the main thread first. */
  threads(): ThreadMemory[] {
    const now = performance.now()
    const out = [sample('main')]
    for (const [id, r] of this.latest) {
      if (now - r.at > THREAD_MEMORY_STALE_MS) this.latest.delete(id)
      else out.push(r.memory)
    }
    return out
  }

  close(): void {
    this.channel.close()
  }
}

/** The process's resident memory as Linux splits it (/proc/self/status), bytes. */
export interface ProcessMemory {
  rss: number
  /** Anonymous memory: heaps, malloc arenas, ArrayBuffers (private or shared between threads). */
  rssAnon: number
  /** Mapped files: the runtime's code, part files read by mmap. */
  rssFile: number
  /** Shared memory objects (tmpfs, memfd). */
  rssShmem: number
  /** Peak resident memory. */
  peakRss: number
}

/** Undefined where /proc is absent (not Linux). */
export function processMemory(): ProcessMemory | undefined {
  let status: string
  try {
    status = readFileSync('/proc/self/status', 'latin1')
  } catch {
    return undefined
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024
  return { rss: kib('VmRSS'), rssAnon: kib('RssAnon'), rssFile: kib('RssFile'), rssShmem: kib('RssShmem'), peakRss: kib('VmHWM') }
}
