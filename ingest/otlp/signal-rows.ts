/**
 * @module ingest/otlp/signal-rows
 * What the decoders of all signals and both encodings share: the row counter, the resource and
 * scope columns filled over the rows they cover, records rejected for partial success, and the
 * finished batch.
 */
import {
  ATTR_PREFIX,
  ColumnSet,
  COMMON_COLUMNS,
  RESOURCE_ATTR_PREFIX,
  SCOPE_ATTR_PREFIX,
  takeRows,
  type AnyValue,
  type AttrGroup,
  type Batch,
  type NumWriter,
  type Signal,
} from '../../storage/index.ts'
import { IngestError } from '../errors.ts'
import { MAX_ATTRIBUTE_KEYS, MAX_ATTRIBUTES_PER_RECORD, MAX_TIME_UNIX_NANO } from '../limits.ts'
import { checkRecords } from '../record-checks.ts'

/** Attributes as parallel lists (a resource's or scope's, decoded once and filled per row). */
export interface KeyValues {
  keys: string[]
  values: AnyValue[]
}

export function emptyKeyValues(): KeyValues {
  return { keys: [], values: [] }
}

/** Resource and scope fields: decoded once, filled over every row they cover. */
export interface Origin {
  attributes: KeyValues
  droppedAttributesCount: number
  name: string
  version: string
}

export function emptyOrigin(): Origin {
  return { attributes: emptyKeyValues(), droppedAttributesCount: 0, name: '', version: '' }
}

/** A decoded request: the batch of accepted records and what was rejected (partial success). */
export interface DecodedBatch {
  batch: Batch
  accepted: number
  rejected: number
  /** Why records were rejected (the first reason and a count), '' when none was. */
  message: string
  /** The first reason alone ('' when none), for a message that adds later rejections. */
  reason: string
}

const MAX_HI = Number(MAX_TIME_UNIX_NANO >> 32n)
const MAX_LO = Number(MAX_TIME_UNIX_NANO & 0xffffffffn)

/**
 * Why a timestamp given as 32-bit words cannot place a record, or undefined when it can.
 * Zero is "unknown" in OTLP; past MAX_TIME_UNIX_NANO (and every value >= 2^63) is out of range.
 */
export function timeProblem(field: string, lo: number, hi: number): string | undefined {
  if (lo === 0 && hi === 0) return `${field} is 0`
  if (hi > MAX_HI || (hi === MAX_HI && lo > MAX_LO)) return `${field} is after 2200-01-01`
  return undefined
}

/** Words of a bigint timestamp, for `timeProblem`. */
export function timeWords(value: bigint): [number, number] {
  const u = BigInt.asUintN(64, value)
  return [Number(u & 0xffffffffn), Number(u >> 32n)]
}

/** Each attribute key becomes a column: a request may carry MAX_ATTRIBUTE_KEYS of them. */
function limitKeys(name: string, keys: number): void {
  if (keys > MAX_ATTRIBUTE_KEYS) {
    throw new IngestError('LIMIT_EXCEEDED', `cannot add attribute ${JSON.stringify(name.slice(0, 100))}: a request may carry ${MAX_ATTRIBUTE_KEYS} distinct attribute keys`)
  }
}

/** Throws LIMIT_EXCEEDED when a record, resource or scope has too many attributes. */
export function checkAttributeCount(count: number, owner: string): void {
  if (count > MAX_ATTRIBUTES_PER_RECORD) {
    throw new IngestError('LIMIT_EXCEEDED', `cannot decode ${owner}: more than ${MAX_ATTRIBUTES_PER_RECORD} attributes`)
  }
}

export class SignalRows {
  readonly cols: ColumnSet
  readonly recordAttrs: AttrGroup
  private readonly resourceAttrs: AttrGroup
  private readonly scopeAttrs: AttrGroup
  readonly flags: NumWriter<'u32'>
  readonly droppedAttributes: NumWriter<'u32'>
  /** Rows written so far, rejected ones included. */
  row = 0
  private readonly rejectedRows: number[] = []
  private reason = ''

  /** `capacity`: the records the request is expected to hold (0: unknown), to size columns once. */
  constructor(signal: Signal, capacity = 0) {
    this.cols = new ColumnSet(signal, capacity, limitKeys)
    this.recordAttrs = this.cols.attrs(ATTR_PREFIX)
    this.resourceAttrs = this.cols.attrs(RESOURCE_ATTR_PREFIX)
    this.scopeAttrs = this.cols.attrs(SCOPE_ATTR_PREFIX)
    this.flags = this.cols.u32(COMMON_COLUMNS.flags)
    this.droppedAttributes = this.cols.u32(COMMON_COLUMNS.droppedAttributesCount)
  }

  /** Fills the resource columns over rows [from, row). */
  fillResource(from: number, resource: Origin, schemaUrl: string): void {
    if (from === this.row) return
    fillAttributes(this.resourceAttrs, from, this.row, resource.attributes)
    if (resource.droppedAttributesCount !== 0) {
      this.cols.u32(COMMON_COLUMNS.resourceDroppedAttributesCount).fill(from, this.row, resource.droppedAttributesCount)
    }
    if (schemaUrl !== '') this.cols.str(COMMON_COLUMNS.resourceSchemaUrl).fill(from, this.row, schemaUrl)
  }

  /** Fills the scope columns over rows [from, row). */
  fillScope(from: number, scope: Origin, schemaUrl: string): void {
    if (from === this.row) return
    fillAttributes(this.scopeAttrs, from, this.row, scope.attributes)
    if (scope.name !== '') this.cols.str(COMMON_COLUMNS.scopeName).fill(from, this.row, scope.name)
    if (scope.version !== '') this.cols.str(COMMON_COLUMNS.scopeVersion).fill(from, this.row, scope.version)
    if (scope.droppedAttributesCount !== 0) {
      this.cols.u32(COMMON_COLUMNS.scopeDroppedAttributesCount).fill(from, this.row, scope.droppedAttributesCount)
    }
    if (schemaUrl !== '') this.cols.str(COMMON_COLUMNS.scopeSchemaUrl).fill(from, this.row, schemaUrl)
  }

  /** Drops record `row` from the batch, for `reason` (reported in the partial success). */
  reject(row: number, reason: string): void {
    if (this.rejectedRows[this.rejectedRows.length - 1] === row) return
    if (this.rejectedRows.length === 0) this.reason = reason
    this.rejectedRows.push(row)
  }

  /** Lets the decoder's caches forget this request's columns: call when it is finished or abandoned. */
  release(): void {
    this.cols.release()
  }

  /** The batch of the records kept; the data model's rules (record-checks.ts) are checked here. */
  finish(): DecodedBatch {
    let batch = this.cols.finish(this.row)
    let rejectedRows = this.rejectedRows
    let reason = this.reason
    const late: number[] = []
    checkRecords(batch, (row, why) => {
      if (late.length === 0 && reason === '') reason = why
      late.push(row)
    })
    if (late.length > 0) rejectedRows = mergeRows(rejectedRows, late)
    const rejected = rejectedRows.length
    if (rejected > 0) {
      const keep: number[] = []
      for (let row = 0, next = 0; row < this.row; row++) {
        if (rejectedRows[next] === row) next++
        else keep.push(row)
      }
      batch = takeRows(batch, keep)
    }
    return { batch, accepted: this.row - rejected, rejected, message: rejectionMessage(rejected, this.row, reason), reason }
  }
}

/** The partial-success message: how many records of how many, and the first reason. */
export function rejectionMessage(rejected: number, total: number, reason: string): string {
  return rejected === 0 ? '' : `${rejected} of ${total} records rejected; the first because its ${reason}`
}

/** The sorted union of two increasing lists of rows. */
function mergeRows(a: number[], b: number[]): number[] {
  const out: number[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++]
    if (out[out.length - 1] !== next) out.push(next)
  }
  return out
}

function fillAttributes(group: AttrGroup, from: number, to: number, kv: KeyValues): void {
  for (let i = 0; i < kv.keys.length; i++) group.get(kv.keys[i]).fill(from, to, kv.values[i])
}

/** Sets `object[key]`, also for the key "__proto__" (which plain assignment would not store). */
export function setKey(object: { [key: string]: AnyValue }, key: string, value: AnyValue): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true })
  else object[key] = value
}
