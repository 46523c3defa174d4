/**
 * @module storage/engine/validate
 * What the engine refuses to store, checked before anything is written.
 */
import { StorageError } from '../errors.ts'
import { MAX_COLUMNS, MAX_ROWS } from '../limits.ts'
import { SIGNALS, TIME_COLUMN, columnLength, type Batch } from '../model.ts'
import { TENANT_NAME } from '../store.ts'

export function validateTenant(tenant: string): void {
  if (!TENANT_NAME.test(tenant)) {
    throw new StorageError('INVALID_ARGUMENT', `cannot store for tenant ${JSON.stringify(tenant)}: expected 1 to 64 letters, digits, "-" or "_"`)
  }
}

export function validateBatch(batch: Batch): void {
  if (!SIGNALS.includes(batch.signal)) throw new StorageError('INVALID_ARGUMENT', `cannot store signal ${JSON.stringify(batch.signal)}`)
  if (!Number.isInteger(batch.length) || batch.length < 0 || batch.length > MAX_ROWS) {
    throw new StorageError('INVALID_ARGUMENT', `cannot store a batch of ${batch.length} rows: the limit is ${MAX_ROWS}`)
  }
  if (batch.length === 0) return
  const names = Object.keys(batch.columns)
  if (names.length > MAX_COLUMNS) throw new StorageError('INVALID_ARGUMENT', `cannot store a batch of ${names.length} columns: the limit is ${MAX_COLUMNS}`)
  for (const name of names) {
    const n = columnLength(batch.columns[name])
    if (n !== batch.length) throw new StorageError('INVALID_ARGUMENT', `cannot store ${batch.signal}: column ${name} has ${n} rows, the batch ${batch.length}`)
  }
  const time = batch.columns[TIME_COLUMN[batch.signal]]
  if (time === undefined || time.kind !== 'i64' || time.present !== undefined) {
    throw new StorageError('INVALID_ARGUMENT', `cannot store ${batch.signal}: every row needs ${TIME_COLUMN[batch.signal]} (a dense i64 column)`)
  }
}
