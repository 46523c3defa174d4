/**
 * @module storage/engine/part-worker
 * The worker thread that builds part files (part-build.ts), so that sorting, encoding,
 * compressing and sealing a flush or a compaction never stalls the thread that takes appends.
 */
import { parentPort } from 'node:worker_threads'
import { StorageError } from '../errors.ts'
import { buildPart, type PartJob } from './part-build.ts'

parentPort?.on('message', async ({ id, job }: { id: number; job: PartJob }) => {
  try {
    await buildPart(job)
    parentPort?.postMessage({ id })
  } catch (error) {
    const code = error instanceof StorageError ? error.code : 'IO'
    parentPort?.postMessage({ id, error: { code, message: (error as Error).message } })
  }
})
