/**
 * @module query/testdata/faulty-query-worker
 * A query thread (query-worker.ts) with two faults a test can ask for by the query text:
 * `"crash-thread"` throws an uncaught exception inside the thread after the query starts, and
 * `"hang-thread"` keeps the thread busy forever, so no budget check or message can stop it.
 */
import { parentPort } from 'node:worker_threads'
import '../query-worker.ts'
import type { QueryThreadRequest } from '../query-protocol.ts'

parentPort?.on('message', (message: QueryThreadRequest) => {
  if (message.kind !== 'run' || typeof message.query !== 'string') return
  if (message.query.includes('"crash-thread"')) {
    setImmediate(() => {
      throw new Error('a fault inside the query thread')
    })
  }
  if (message.query.includes('"hang-thread"')) for (;;);
})
