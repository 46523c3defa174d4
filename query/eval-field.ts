/**
 * @module query/eval-field
 * Reads a resolved field from a batch as a vector, without copying where the storage column
 * can be shared. Durations come from the two i64 time columns (i64.ts: exact, no BigInt per row).
 */
import type { Batch, Column } from '../storage/index.ts'
import type { FieldRef } from './fields.ts'
import { differences } from './i64.ts'
import { ABSENT, columnVec, present, cell, type Vec } from './vec.ts'

/**
 * The vector of `ref` over `batch`; ABSENT when the batch lacks the columns.
 * @example fieldVec(batch, { kind: 'column', column: 'name', type: 'string' })
 */
export function fieldVec(batch: Batch, ref: FieldRef): Vec {
  switch (ref.kind) {
    case 'column': {
      const c = batch.columns[ref.column]
      const v = columnVec(c, c?.kind === 'i64' && ref.type !== 'number')
      return ref.unsetIsZero === true && v.t === 'time' ? { ...v, p: presentUnlessZero(v.v, v.p) } : v
    }
    case 'duration':
      return durationVec(batch.columns[ref.start], batch.columns[ref.end])
    case 'enum':
      return enumVec(batch.columns[ref.column], ref.names)
    case 'attr':
      return coalesce(ref.columns.map((name) => batch.columns[name]).filter((c): c is Column => c !== undefined))
  }
}

/** `p` with rows holding 0 marked absent. */
function presentUnlessZero(values: BigInt64Array, p: Uint8Array | undefined): Uint8Array | undefined {
  if (!values.includes(0n)) return p
  const out = p === undefined ? new Uint8Array(values.length).fill(1) : Uint8Array.from(p)
  for (let i = 0; i < values.length; i++) if (values[i] === 0n) out[i] = 0
  return out
}

/**
 * The i64 column `fieldVec` reads as numbers (its values made doubles, toDoubles), or undefined
 * for any other field: a comparison with a number reads the column's halves instead, with no
 * array of doubles per batch (eval-compare.ts i64Const).
 */
export function i64Numbers(batch: Batch, ref: FieldRef): Extract<Column, { kind: 'i64' }> | undefined {
  let c: Column | undefined
  if (ref.kind === 'column') c = ref.type === 'number' ? batch.columns[ref.column] : undefined
  else if (ref.kind === 'attr') {
    // coalesce reads the first column alone when it is the only one or present in every row.
    const first = batch.columns[ref.columns[0]]
    c = ref.columns.length === 1 || (first !== undefined && first.present === undefined) ? first : undefined
  }
  return c?.kind === 'i64' ? c : undefined
}

function durationVec(start: Column | undefined, end: Column | undefined): Vec {
  const times = durationTimes(start, end)
  if (times === undefined) return ABSENT
  return { t: 'num', v: differences(times.start, times.end), p: times.p, dur: true }
}

/** Start and end times a duration is the difference of, and the rows holding both. */
export interface DurationTimes {
  readonly start: BigInt64Array
  readonly end: BigInt64Array
  readonly p?: Uint8Array
}

/**
 * The times under a duration field of `batch`, for a consumer that reads the differences once
 * (percentiles lay them out): it then makes no array of doubles per batch. Undefined when `ref`
 * is no duration or the batch lacks its columns.
 */
export function durationTimesOf(batch: Batch, ref: FieldRef): DurationTimes | undefined {
  return ref.kind === 'duration' ? durationTimes(batch.columns[ref.start], batch.columns[ref.end]) : undefined
}

function durationTimes(start: Column | undefined, end: Column | undefined): DurationTimes | undefined {
  if (start?.kind !== 'i64' || end?.kind !== 'i64') return undefined
  const n = start.values.length
  let p: Uint8Array | undefined
  if (start.present !== undefined || end.present !== undefined) {
    p = new Uint8Array(n)
    for (let i = 0; i < n; i++) p[i] = (start.present?.[i] ?? 1) & (end.present?.[i] ?? 1)
  }
  return { start: start.values, end: end.values, p }
}

/**
 * The dictionary of each enum column seen, by its codes: columns of cached blocks come back to
 * every query, and finding the largest code is a pass over the rows.
 */
const enumDicts = new WeakMap<Uint32Array, { names: readonly string[]; dict: readonly string[] }>()

/** A numeric code column shown as names; the codes array is shared as dictionary codes. */
function enumVec(c: Column | undefined, names: readonly string[]): Vec {
  if (c === undefined) return ABSENT
  if (c.kind !== 'u32') return columnVec(c, false)
  let known = enumDicts.get(c.values)
  if (known?.names !== names) {
    const codes = c.values
    let max = -1
    for (let i = 0; i < codes.length; i++) if (codes[i] > max) max = codes[i]
    const dict = max < names.length ? names : [...names, ...Array.from({ length: max + 1 - names.length }, (_, i) => String(names.length + i))]
    enumDicts.set(codes, (known = { names, dict }))
  }
  return { t: 'str', dict: known.dict, codes: c.values, p: c.present }
}

/** The first present of several columns, row by row (bare attribute names). */
function coalesce(columns: Column[]): Vec {
  if (columns.length === 0) return ABSENT
  const vecs = columns.map((c) => columnVec(c, false))
  if (vecs.length === 1 || columns[0].present === undefined) return vecs[0]
  const n = columns[0].present.length
  const out = new Array<ReturnType<typeof cell> | undefined>(n)
  for (let i = 0; i < n; i++) {
    const v = vecs.find((x) => present(x, i))
    out[i] = v === undefined ? undefined : cell(v, i)
  }
  return { t: 'any', v: out as never }
}
