/**
 * @module storage
 * BlazeDB storage: the columnar batch model, the BlazeBinary format and the storage engine.
 * Other components import only this file.
 */
export * from './model.ts'
export { BatchBuilder } from './batch-builder.ts'
// The fast batch builder, for producers that build many rows (decoders, collectors).
export { AttrGroup, AttrWriter, ColumnSet, type GroupUser } from './build/column-set.ts'
export { AnyWriter, BytesWriter, I64Writer, NumWriter, Presence, StrWriter, shareColumnArrays } from './build/column-writers.ts'
export { ListWriter } from './build/list-writer.ts'
export { utf8Buffer, utf8Column } from './utf8-strings.ts'
export { concatBatches, projectBatch, sliceRows, takeRows, takeColumn, i64Range } from './batch-ops.ts'
export { StorageError, type StorageErrorCode } from './errors.ts'
export { bytesToHex, hexToBytes, isZeroId, TRACE_ID_BYTES, SPAN_ID_BYTES } from './ids.ts'
export { MemoryStore } from './memory-store.ts'
export { MemoryDocuments, type DocumentStore } from './documents/document-store.ts'
export { rowsWithBytes, traceSpans } from './trace-match.ts'
export { RecentKeys, validateIdempotencyKey, type RecentKey, type RecentKeysLimits } from './recent-keys.ts'
export {
  DEFAULT_TENANT,
  emptyScanStats,
  SPAN_DURATION_KEY,
  TENANT_NAME,
  type AppendOptions,
  type ColumnCondition,
  type Scan,
  type ScanCondition,
  type ScanRequest,
  type ScanStats,
  type ScanTop,
  type ScanBlock,
  type Store,
  type StoreStats,
} from './store.ts'
export { openEngine, Engine, type EngineOptions } from './engine/engine.ts'
export { toSharedBatch, type HeldSnapshot, type ScanSnapshot, type SnapshotBatch, type SnapshotPart } from './scan-snapshot.ts'
export { SnapshotScanner, indexBudget } from './engine/snapshot-scanner.ts'
export { SharedBlockCache } from './engine/shared-block-cache.ts'
export { columnBytes, type ChunkCache } from './engine/block-cache.ts'
export { BufferCeiling, fullCollection, SharedMemoryCollector, sharedBytes, youngCollection } from './shared-memory-gc.ts'
export { processMemory, reportThreadMemory, ThreadMemoryWatch, type ProcessMemory, type ThreadMemory } from './thread-memory.ts'
export { selectNth } from './engine/scan-top.ts'
export { traceLookup, type DecodeMeter } from './engine/scan-parts.ts'
export { verifyDataDir, type VerifyReport } from './engine/verify.ts'
export { inspectDataDir, type PartitionReport } from './engine/inspect.ts'
export { readOrCreateKeyFile } from './crypto/keyring.ts'
export { encodeBatch, decodeBatch, type EncodeBatchOptions } from './codec/batch-codec.ts'
export * as limits from './limits.ts'
