/**
 * @module storage/engine/part-worker
 * The worker thread that builds part files (part-build.ts), so that sorting, encoding,
 * compressing and sealing a flush or a compaction never stalls the thread that takes appends.
 */
import { parentPort } from 'node:worker_threads'
import { StorageError } from '../errors.ts'
import type { Batch } from '../model.ts'
import { buildPart } from './part-build.ts'
import type { PartWriterMessage } from './part-writer.ts'
import { reportThreadMemory } from '../thread-memory.ts'
import { fullCollection } from '../shared-memory-gc.ts'
import { PART_WRITER_IDLE_COLLECT_MS } from '../limits.ts'

reportThreadMemory('part-writer')
// After a build the heap it grew to is given back too (its next build grows it again).
const collect = fullCollection(true)

/**
 * A compaction decodes its input parts whole: once it is written, that garbage (a 3M-span
 * vacuum left 150 MiB of heap and 146 MiB of ArrayBuffers) stays until the heap grows again, and
 * an idle part writer allocates nothing. So the thread collects after a compaction, and once it
 * has been idle PART_WRITER_IDLE_COLLECT_MS after anything it built (a flush's batches arrive
 * in shared memory, the decoding threads' arrays, which V8 does not count toward a collection).
 */
let idle: NodeJS.Timeout | undefined
function builtSomething(compaction: boolean): void {
  if (idle !== undefined) clearTimeout(idle)
  idle = undefined
  if (collect === undefined) return
  if (compaction) collect()
  else idle = setTimeout(collect, PART_WRITER_IDLE_COLLECT_MS).unref()
}

/** Batches of flushes whose job has not arrived yet, by job id. */
const pieces = new Map<number, Batch[]>()

parentPort?.on('message', async (message: PartWriterMessage) => {
  const id = message.id
  if ('batches' in message) {
    const held = pieces.get(id) ?? []
    for (const b of message.batches) held.push(b)
    pieces.set(id, held)
    return
  }
  let job = message.job
  const held = pieces.get(id)
  pieces.delete(id)
  if (held !== undefined && job.kind === 'flush') job = { ...job, batches: [...held, ...job.batches] }
  try {
    await buildPart(job)
    parentPort?.postMessage({ id })
    builtSomething(job.kind === 'compact')
  } catch (error) {
    const code = error instanceof StorageError ? error.code : 'IO'
    parentPort?.postMessage({ id, error: { code, message: (error as Error).message } })
  }
})
