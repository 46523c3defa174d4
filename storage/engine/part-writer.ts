/**
 * @module storage/engine/part-writer
 * Runs part jobs on one worker thread, one at a time in order (the engine serialises its
 * maintenance anyway), or inline when threads are off. The worker starts on the first job.
 *
 * Contract: a job's batches are copied to the worker (structured clone; arrays in shared memory,
 * as the ingest gateway's decoding threads make them, are shared instead), so the caller keeps
 * using them; `close` waits for nothing and stops the thread, failing jobs still queued.
 * A flush's batches go over in pieces of about PIECE_ROWS rows with the event loop let run
 * between them: copying a million rows at once would stall every request for a few hundred
 * milliseconds.
 */
import { Worker } from 'node:worker_threads'
import { StorageError, type StorageErrorCode } from '../errors.ts'
import type { Batch } from '../model.ts'
import { buildPart, type PartJob } from './part-build.ts'

const WORKER_URL = new URL('./part-worker.ts', import.meta.url)

/** Rows copied to the worker per message: a few milliseconds of the event loop each. */
const PIECE_ROWS = 32_768

/** What the worker is sent: batches of job `id` to hold on to, or the job (with its last batches). */
export type PartWriterMessage = { id: number; batches: Batch[] } | { id: number; job: PartJob }

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

  async run(job: PartJob): Promise<void> {
    if (!this.threaded) return buildPart(job)
    let worker = (this.worker ??= this.start())
    const id = this.nextId++
    // A job under way keeps the process alive; an idle thread does not.
    worker.ref()
    const done = new Promise<void>((resolve, reject) => this.waiting.set(id, { resolve, reject }))
    if (job.kind === 'flush') {
      let piece: Batch[] = []
      let rows = 0
      const batches = job.batches
      for (let i = 0; i < batches.length - 1; i++) {
        piece.push(batches[i])
        rows += batches[i].length
        if (rows < PIECE_ROWS) continue
        worker.postMessage({ id, batches: piece } satisfies PartWriterMessage)
        piece = []
        rows = 0
        await new Promise((resolve) => setImmediate(resolve))
        // The thread stopped meanwhile: the job has failed already.
        if (this.worker !== worker) return done
      }
      job = { ...job, batches: [...piece, ...batches.slice(Math.max(0, batches.length - 1))] }
    }
    worker = this.worker as Worker
    worker.postMessage({ id, job } satisfies PartWriterMessage)
    return done
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
