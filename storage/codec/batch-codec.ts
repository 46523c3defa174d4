/**
 * @module storage/codec/batch-codec
 * BlazeBinary batches: a Batch as a frame whose payload holds its columns one after another
 * (storage/FORMAT.md, "Batch payload"). Used by the write-ahead log and on the wire.
 */
import { zstdCompressSync, zstdDecompressSync, constants as zlib } from 'node:zlib'
import { StorageError } from '../errors.ts'
import { MAX_COLUMNS, MAX_FRAME_PAYLOAD, MAX_ROWS } from '../limits.ts'
import { SIGNALS, type Batch, type Column, type Signal } from '../model.ts'
import { ByteReader } from './byte-reader.ts'
import { withReusedWriter, type ByteWriter } from './byte-writer.ts'
import { decodeColumn, type ColumnEncodeOptions } from './column-codec.ts'
import { writeColumn } from './column-writer.ts'
import { decodeFrame, encodeFrame, FRAME_FLAG, FRAME_TYPE } from './frame.ts'

/** Signal codes. On-disk values: append, never renumber. */
export const SIGNAL_CODE: Readonly<Record<Signal, number>> = { spans: 1, logs: 2, metrics: 3 }

/** Writes the batch payload (no frame) into `w`; `compact: false` trades size for speed. */
export function writeBatchPayload(w: ByteWriter, batch: Batch, options: ColumnEncodeOptions = {}): void {
  const names = Object.keys(batch.columns)
  if (names.length > MAX_COLUMNS) {
    throw new StorageError('INVALID_ARGUMENT', `cannot encode batch: ${names.length} columns, the limit is ${MAX_COLUMNS}`)
  }
  const compact = options.compact !== false
  w.uvarint(SIGNAL_CODE[batch.signal])
  w.uvarint(batch.length)
  w.uvarint(names.length)
  for (const name of names) {
    w.string(name)
    // The chunk is written in place and its length prefix filled in after.
    const mark = w.beginBlob()
    writeColumn(w, batch.columns[name], batch.length, compact)
    w.endBlob(mark)
  }
}

/** Reads a batch payload written by writeBatchPayload. */
export function readBatchPayload(r: ByteReader): Batch {
  const code = r.uvarint()
  const signal = SIGNALS.find((s) => SIGNAL_CODE[s] === code)
  if (signal === undefined) r.fail(`unknown signal code ${code}`)
  const rows = r.count(MAX_ROWS, 'row count')
  const count = r.count(MAX_COLUMNS, 'column count')
  const columns: Record<string, Column> = {}
  for (let i = 0; i < count; i++) {
    const name = r.string()
    if (Object.hasOwn(columns, name)) r.fail(`column ${JSON.stringify(name)} appears twice`)
    const at = r.pos
    const chunk = r.blob()
    try {
      columns[name] = decodeColumn(chunk, rows, `column ${JSON.stringify(name)}`)
    } catch (error) {
      if (error instanceof StorageError) {
        throw new StorageError(error.code, `${error.message} (column starts at offset ${at})`, { cause: error, offset: at })
      }
      throw error
    }
  }
  return { signal, length: rows, columns }
}

export interface EncodeBatchOptions extends ColumnEncodeOptions {
  /** zstd-compress the payload (smaller, slower); off by default. */
  compress?: boolean
}

/**
 * A batch as one BlazeBinary frame.
 * @example const bytes = encodeBatch(batch); const same = decodeBatch(bytes)
 */
export function encodeBatch(batch: Batch, options: EncodeBatchOptions = {}): Uint8Array {
  return withReusedWriter((w) => {
    writeBatchPayload(w, batch, options)
    // Both branches copy the payload out of the reused writer.
    if (options.compress !== true) return encodeFrame(FRAME_TYPE.batch, 0, w.finish())
    const payload = zstdCompressSync(w.finish(), { params: { [zlib.ZSTD_c_compressionLevel]: 3 } })
    return encodeFrame(FRAME_TYPE.batch, FRAME_FLAG.zstd, payload)
  })
}

/**
 * Decodes a frame written by encodeBatch. Any truncation, extension or corruption throws a
 * StorageError (CORRUPT or UNSUPPORTED_VERSION).
 */
export function decodeBatch(bytes: Uint8Array): Batch {
  const frame = decodeFrame(bytes, 'BlazeBinary batch')
  if (frame.type !== FRAME_TYPE.batch) throw new StorageError('CORRUPT', `cannot read BlazeBinary batch: frame type ${frame.type}`)
  if ((frame.flags & FRAME_FLAG.encrypted) !== 0) throw new StorageError('CORRUPT', 'cannot read BlazeBinary batch: it is encrypted')
  let payload = frame.payload
  if ((frame.flags & FRAME_FLAG.zstd) !== 0) {
    try {
      payload = zstdDecompressSync(payload, { maxOutputLength: MAX_FRAME_PAYLOAD })
    } catch (error) {
      throw new StorageError('CORRUPT', `cannot read BlazeBinary batch: zstd: ${(error as Error).message}`, { cause: error })
    }
  }
  const r = new ByteReader(payload, 'BlazeBinary batch')
  const batch = readBatchPayload(r)
  r.expectEnd()
  return batch
}
