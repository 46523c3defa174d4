/**
 * @module ingest/decode-worker
 * The body of a decoding thread (decode-pool.ts): decodes the requests it is sent with its own
 * OtlpDecoder (and caches) and posts back the batch, whose column arrays are in shared memory
 * (shareColumnArrays): posting shares them instead of copying them. A request that cannot be
 * decoded is answered with its IngestError's code and message, which the pool throws again on
 * the event loop's thread.
 */
import { parentPort } from 'node:worker_threads'
import { IngestError } from './errors.ts'
import { limits, reportThreadMemory, shareColumnArrays, SharedMemoryCollector, sharedBytes } from '../storage/index.ts'
import { OtlpDecoder } from './otlp/decoder.ts'
import type { DecodeReply, DecodeRequest } from './decode-pool.ts'
import type { DecodedBatch } from './otlp/signal-rows.ts'

const port = parentPort
if (port === null) throw new Error('cannot start the OTLP decode worker: it must run in a worker thread')
// Batches are posted to the event loop's thread with their arrays in shared memory, so that
// neither that post nor the storage engine's post of a flush to its part writer copies them.
shareColumnArrays()
reportThreadMemory('decode')
const decoder = new OtlpDecoder()
// The batches posted stay in this thread's heap until it collects: collect by what was posted.
const collector = new SharedMemoryCollector(limits.SHARED_COLLECT_BYTES)
port.on('message', (request: DecodeRequest) => {
  let decoded: DecodedBatch
  try {
    decoded = decoder.decode(request.signal, request.encoding, request.body)
  } catch (error) {
    const e = error instanceof IngestError ? error : new IngestError('MALFORMED', `cannot decode the ${request.signal} request: ${(error as Error).message}`)
    port.postMessage({ id: request.id, error: { code: e.code, message: e.message } } satisfies DecodeReply)
    return
  }
  port.postMessage({ id: request.id, decoded } satisfies DecodeReply)
  collector.released(sharedBytes(decoded.batch))
})
