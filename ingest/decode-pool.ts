/**
 * @module ingest/decode-pool
 * Decoding on worker threads (decode-worker.ts), so that the event loop's thread is left to the
 * network and to the store's append (which encodes, seals and writes each batch): on one thread,
 * a request is either decoded or appended at any moment; with a pool, one request is decoded
 * while another is appended. A request goes to the thread with the fewest waiting; its batch
 * comes back with its column arrays in shared memory, not copied (nor copied again when the
 * storage engine posts a flush to its part writer). With 0 threads, decoding runs inline.
 *
 * Contract: `decode` detaches the caller's body only when asked to hand it over (and the body
 * is the whole of its buffer); otherwise a copy is sent. After `close`, decode rejects. A thread that dies fails its waiting requests (retryable) and is replaced.
 */
import { Worker } from 'node:worker_threads'
import { IngestError, type IngestErrorCode } from './errors.ts'
import { DECODE_THREAD_YOUNG_GENERATION_MB } from './limits.ts'
import { OtlpDecoder, type OtlpEncoding, type OtlpSignal } from './otlp/decoder.ts'
import type { DecodedBatch } from './otlp/signal-rows.ts'

/** What the pool sends a thread. */
export interface DecodeRequest {
  id: number
  signal: OtlpSignal
  encoding: OtlpEncoding
  body: Uint8Array
}

/** What a thread answers: the batch, or the IngestError that decoding threw. */
export interface DecodeReply {
  id: number
  decoded?: DecodedBatch
  error?: { code: IngestErrorCode; message: string }
}

interface Waiting {
  resolve: (decoded: DecodedBatch) => void
  reject: (error: Error) => void
}

interface Thread {
  worker: Worker
  waiting: Map<number, Waiting>
}

const WORKER_URL = new URL('./decode-worker.ts', import.meta.url)

export class DecodePool {
  private readonly threads: Thread[] = []
  private readonly inline: OtlpDecoder | undefined
  private nextId = 0
  private closed = false

  /** `threads` decoding threads; 0 decodes on the caller's thread. */
  constructor(threads: number) {
    this.inline = threads === 0 ? new OtlpDecoder() : undefined
    for (let i = 0; i < threads; i++) this.threads.push(this.spawn())
  }

  private spawn(): Thread {
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: DECODE_THREAD_YOUNG_GENERATION_MB } })
    const thread: Thread = { worker, waiting: new Map() }
    thread.worker.on('message', (reply: DecodeReply) => {
      const w = thread.waiting.get(reply.id)
      if (w === undefined) return
      thread.waiting.delete(reply.id)
      if (reply.error !== undefined) w.reject(new IngestError(reply.error.code, reply.error.message))
      else w.resolve(reply.decoded as DecodedBatch)
    })
    const fail = (reason: string) => {
      if (this.closed) return
      for (const w of thread.waiting.values()) w.reject(new Error(`the decoding thread stopped: ${reason}`))
      thread.waiting.clear()
      const at = this.threads.indexOf(thread)
      if (at >= 0) this.threads[at] = this.spawn()
    }
    thread.worker.on('error', (error) => fail(error.message))
    thread.worker.on('exit', (code) => fail(`exit code ${code}`))
    return thread
  }

  /**
   * Decodes one request; rejects with IngestError (MALFORMED, LIMIT_EXCEEDED) like OtlpDecoder.
   * `handOver`: the caller is done with `body`, so a body that is the whole of its buffer is
   * moved to the thread (detached here) instead of copied: a request body is the largest
   * allocation of the event loop's thread, and each one it makes brings its next garbage
   * collection closer.
   */
  decode(signal: OtlpSignal, encoding: OtlpEncoding, body: Uint8Array, handOver = false): Promise<DecodedBatch> {
    if (this.inline !== undefined) {
      try {
        return Promise.resolve(this.inline.decode(signal, encoding, body))
      } catch (error) {
        return Promise.reject(error)
      }
    }
    if (this.closed) return Promise.reject(new Error('cannot decode: the decoding threads are stopped'))
    let thread = this.threads[0]
    for (const t of this.threads) if (t.waiting.size < thread.waiting.size) thread = t
    const id = this.nextId++
    const owned = handOver && body.buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
    const sent = owned ? body : new Uint8Array(body)
    return new Promise((resolve, reject) => {
      thread.waiting.set(id, { resolve, reject })
      thread.worker.postMessage({ id, signal, encoding, body: sent } satisfies DecodeRequest, [sent.buffer as ArrayBuffer])
    })
  }

  /** Requests handed to the threads and not yet answered (a queue depth for /metrics). */
  get waiting(): number {
    return this.threads.reduce((n, t) => n + t.waiting.size, 0)
  }

  /** Stops the threads; requests still waiting are failed (retryable). */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const t of this.threads) for (const w of t.waiting.values()) w.reject(new Error('cannot decode: the decoding threads are stopped'))
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
  }
}
