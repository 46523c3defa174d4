/**
 * @module query/testdata/thread-log
 * The BroadcastChannel on which thread-log-query-worker.ts tells which thread takes each query.
 */
export const THREAD_LOG_CHANNEL = 'blazedb-test-query-thread-log'
