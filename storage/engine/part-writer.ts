/**
 * @module storage/engine/part-writer
 * Runs part jobs on one worker thread, one at a time in order (the engine serialises its
 * maintenance anyway), or inline when threads are off. The worker starts on the first job.
 *
 * Contract: a job's batches are copied to the worker (structured clone), so the caller keeps
 * using them; `close` waits for nothing and stops the thread, failing jobs still queued.
 */
import { Worker } from 'node:worker_threads'
import { StorageError, type StorageErrorCode } from '../errors.ts'
import { buildPart, type PartJob } from './part-build.ts'

const WORKER_URL = new URL('./part-worker.ts', import.meta.url)

interface Reply {
  id: number
  error?: { code: StorageErrorCode; message: string }
}

export class PartWriter {
  private worker: Worker | undefined
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  private nextId = 0
  private readonly threaded: boolean

  constructor(threaded: boolean) {
    this.threaded = threaded
  }

  run(job: PartJob): Promise<void> {
    if (!this.threaded) return buildPart(job)
    const worker = (this.worker ??= this.start())
    const id = this.nextId++
    // A job under way keeps the process alive; an idle thread does not.
    worker.ref()
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      worker.postMessage({ id, job })
    })
  }

  private start(): Worker {
    const worker = new Worker(WORKER_URL)
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id)
      this.waiting.delete(reply.id)
      if (this.waiting.size === 0) worker.unref()
      if (reply.error === undefined) w?.resolve()
      else w?.reject(new StorageError(reply.error.code, reply.error.message))
    })
    const fail = (reason: string): void => {
      for (const w of this.waiting.values()) w.reject(new StorageError('IO', `cannot write a part: the part writer thread stopped (${reason})`))
      this.waiting.clear()
      this.worker = undefined
    }
    worker.on('error', (error) => fail(error.message))
    worker.on('exit', (code) => fail(`exit code ${code}`))
    return worker
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    await worker?.terminate()
  }
}
