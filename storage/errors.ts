/**
 * @module storage/errors
 * The one error type of the storage component. `code` is stable; messages may change.
 */

export type StorageErrorCode =
  /** A checksum, length or structure check failed: the bytes are not what was written. */
  | 'CORRUPT'
  /** An authentication tag did not verify: the bytes were altered, truncated or moved. */
  | 'TAMPERED'
  /** The password or key does not open this data directory. */
  | 'WRONG_KEY'
  /** A format version this build does not read. */
  | 'UNSUPPORTED_VERSION'
  /** A caller passed something the engine cannot store or answer. */
  | 'INVALID_ARGUMENT'
  /** The store is closed or closing. */
  | 'CLOSED'
  /** The write-ahead log or a data file could not be written. */
  | 'IO'
  /** The scan was cancelled by its caller. */
  | 'ABORTED'
  /** Another live process holds the data directory. */
  | 'IN_USE'

export class StorageError extends Error {
  readonly code: StorageErrorCode
  /** The file the error is about, when there is one. */
  readonly file?: string
  /** The byte offset in `file` where the problem was found, when known. */
  readonly offset?: number

  constructor(code: StorageErrorCode, message: string, options?: ErrorOptions & { file?: string; offset?: number }) {
    super(message, options)
    this.name = 'StorageError'
    this.code = code
    this.file = options?.file
    this.offset = options?.offset
  }
}
