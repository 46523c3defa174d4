/**
 * @module query/testdata/thread-log-query-worker
 * A query thread with the faults of faulty-query-worker.ts that also tells which thread takes
 * each query: `{ threadId, query }` on the BroadcastChannel THREAD_LOG_CHANNEL, for tests of
 * the pool's choice of thread (query-pool.ts affinity).
 */
import { BroadcastChannel, parentPort, threadId } from 'node:worker_threads'
import './faulty-query-worker.ts'
import type { QueryThreadRequest } from '../query-protocol.ts'
import { THREAD_LOG_CHANNEL } from './thread-log.ts'

const channel = new BroadcastChannel(THREAD_LOG_CHANNEL)
channel.unref()
parentPort?.on('message', (message: QueryThreadRequest) => {
  if (message.kind === 'run') channel.postMessage({ threadId, query: message.query })
})
