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
  } catch (error) {
    const code = error instanceof StorageError ? error.code : 'IO'
    parentPort?.postMessage({ id, error: { code, message: (error as Error).message } })
  }
})
