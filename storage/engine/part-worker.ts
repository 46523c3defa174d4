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
import { SharedMemoryCollector, sharedBytes } from '../shared-memory-gc.ts'
import { SHARED_COLLECT_BYTES } from '../limits.ts'

reportThreadMemory('part-writer')
// A flush's batches arrive in shared memory (the decoding threads' arrays): collect by what was written.
const collector = new SharedMemoryCollector(SHARED_COLLECT_BYTES)

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
    if (job.kind === 'flush') collector.released(job.batches.reduce((n, b) => n + sharedBytes(b), 0))
  } catch (error) {
    const code = error instanceof StorageError ? error.code : 'IO'
    parentPort?.postMessage({ id, error: { code, message: (error as Error).message } })
  }
})
