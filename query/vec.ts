/**
 * @module query/vec
 * The values expressions evaluate to: one typed vector per batch (or a constant), sharing the
 * storage arrays where it can. `p` marks present rows like a storage column's `present`.
 * Contract: vectors are read-only; an operator that needs other values builds a new vector.
 */
import { bytesToHex, isZeroId, utf8Column, type AnyValue, type Column, type Utf8Strings } from '../storage/index.ts'
import { toDoubles } from './i64.ts'
import { formatTime } from './lexer.ts'

/** The type of a result column: how its values print and compare. */
export type ValueType = 'number' | 'duration' | 'time' | 'string' | 'bool' | 'id' | 'any' | 'list'

export type NumArray = Float64Array | Uint32Array | Int32Array

export type Vec =
  /** Numbers; `dur` marks nanosecond durations. */
  | { t: 'num'; v: NumArray; p?: Uint8Array; dur?: boolean }
  /** Epoch nanoseconds. */
  | { t: 'time'; v: BigInt64Array; p?: Uint8Array }
  /** Dictionary strings: row i is dict[codes[i]]. With `utf8` (a big dictionary read from a
   * part: storage's Utf8Strings), `dict` is made from those bytes the first time it is read. */
  | { t: 'str'; dict: readonly string[]; codes: Uint32Array; p?: Uint8Array; utf8?: Utf8Strings }
  | { t: 'bool'; v: Uint8Array; p?: Uint8Array }
  /** Fixed-width ids (trace, span). */
  | { t: 'id'; w: number; v: Uint8Array; p?: Uint8Array }
  /** General values; undefined is absent. */
  | { t: 'any'; v: readonly (AnyValue | undefined)[] }
  | { t: 'list'; col: Extract<Column, { kind: 'i64list' | 'f64list' }> }
  /** The same value in every row; null is absent. */
  | { t: 'const'; value: Scalar; type: ValueType }

export type Scalar = number | bigint | string | boolean | Uint8Array | null | AnyValue

export const ABSENT: Vec = { t: 'const', value: null, type: 'any' }

/** A vector over a storage column. i64 columns are times when `time` is set, numbers otherwise. */
export function columnVec(c: Column | undefined, time: boolean, dur = false): Vec {
  if (c === undefined) return ABSENT
  switch (c.kind) {
    case 'u32':
    case 'i32':
    case 'f64':
      return { t: 'num', v: c.values, p: c.present, dur }
    case 'i64':
      if (time) return { t: 'time', v: c.values, p: c.present }
      return { t: 'num', v: toDoubles(c.values), p: c.present, dur }
    case 'bool':
      return { t: 'bool', v: c.values, p: c.present }
    case 'str':
      // The column's dict getter, not its value: the strings are made only if something reads them.
      if (c.utf8 !== undefined) return { t: 'str', get dict() { return c.dict }, codes: c.codes, p: c.present, utf8: c.utf8 }
      return { t: 'str', dict: c.dict, codes: c.codes, p: c.present }
    case 'bytes':
      return { t: 'id', w: c.width, v: c.values, p: cachedIdPresent(c) }
    case 'i64list':
    case 'f64list':
      return { t: 'list', col: c }
    case 'any':
      return { t: 'any', v: c.present === undefined ? c.values : c.values.map((x, i) => (c.present![i] === 1 ? x : undefined)) }
  }
}

/** A string vector over UTF-8 bytes: its dict is made the first time it is read. */
export function utf8Vec(strings: Utf8Strings, codes: Uint32Array, p?: Uint8Array): Vec {
  const column = utf8Column(strings, codes, p)
  return { t: 'str', get dict() { return column.dict }, codes, p, utf8: strings }
}

/** idPresent of columns read before (null: every row present), kept while the column lives. */
const idPresence = new WeakMap<object, Uint8Array | null>()

/**
 * idPresent, worked out once per column: cached blocks come back to every query, and a join
 * on trace and span id would otherwise test the ids of every span again.
 */
function cachedIdPresent(c: Extract<Column, { kind: 'bytes' }>): Uint8Array | undefined {
  const known = idPresence.get(c)
  if (known !== undefined) return known ?? undefined
  const p = idPresent(c)
  idPresence.set(c, p ?? null)
  return p
}

/**
 * The present mask of an id column: an all-zero id is OTLP's "no id" (a root's parent, a log
 * without trace context), so it is absent for every operator, aggregate and sort key.
 */
function idPresent(c: Extract<Column, { kind: 'bytes' }>): Uint8Array | undefined {
  const n = c.width === 0 ? 0 : c.values.length / c.width
  let p = c.present
  // Ids are random: their first 32-bit word settles nearly every row without a byte loop.
  const per = c.width >>> 2
  const first = c.width % 4 === 0 && c.values.byteOffset % 4 === 0 ? new Int32Array(c.values.buffer, c.values.byteOffset, n * per) : undefined
  for (let i = 0; i < n; i++) {
    if (first !== undefined && first[i * per] !== 0) continue
    if ((p === undefined || p[i] === 1) && (first !== undefined ? zeroWords(first, i * per, per) : isZeroId(c.values, i * c.width, c.width))) {
      if (p === undefined || p === c.present) p = c.present === undefined ? new Uint8Array(n).fill(1) : Uint8Array.from(c.present)
      p[i] = 0
    }
  }
  return p
}

/** True when the `per` words of `words` from `at` are all zero. */
function zeroWords(words: Int32Array, at: number, per: number): boolean {
  for (let j = at; j < at + per; j++) if (words[j] !== 0) return false
  return true
}

/** The column a derived frame stores for `v`, `n` rows long. */
export function vecColumn(v: Vec, n: number): Column {
  switch (v.t) {
    case 'num':
      return v.v instanceof Float64Array ? { kind: 'f64', values: v.v, present: v.p } : { kind: 'f64', values: Float64Array.from(v.v), present: v.p }
    case 'time':
      return { kind: 'i64', values: v.v, present: v.p }
    case 'str':
      if (v.utf8 !== undefined) return utf8Column(v.utf8, v.codes, v.p)
      return { kind: 'str', dict: v.dict as string[], codes: v.codes, present: v.p }
    case 'bool':
      return { kind: 'bool', values: v.v, present: v.p }
    case 'id':
      return { kind: 'bytes', width: v.w, values: v.v, present: v.p }
    case 'any':
      return { kind: 'any', values: v.v as (AnyValue | undefined)[], present: presentOfAny(v.v) }
    case 'list':
      return v.col
    case 'const':
      return { kind: 'any', values: new Array<AnyValue | undefined>(n).fill(v.value === null ? undefined : (v.value as AnyValue)), present: v.value === null ? new Uint8Array(n) : undefined }
  }
}

function presentOfAny(values: readonly (AnyValue | undefined)[]): Uint8Array | undefined {
  if (values.every((x) => x !== undefined)) return undefined
  return Uint8Array.from(values, (x) => (x === undefined ? 0 : 1))
}

/** The result type of a vector. */
export function vecType(v: Vec): ValueType {
  switch (v.t) {
    case 'num':
      return v.dur === true ? 'duration' : 'number'
    case 'time':
      return 'time'
    case 'str':
      return 'string'
    case 'bool':
      return 'bool'
    case 'id':
      return 'id'
    case 'any':
      return 'any'
    case 'list':
      return 'list'
    case 'const':
      return v.type
  }
}

/** Value of row `i` as a scalar for generic (slow path) evaluation; null when absent. */
export function cell(v: Vec, i: number): Scalar {
  switch (v.t) {
    case 'const':
      return v.value
    case 'any':
      return v.v[i] ?? null
    case 'list': {
      const c = v.col
      if (c.present !== undefined && c.present[i] !== 1) return null
      return Array.from(c.values.subarray(c.offsets[i], c.offsets[i + 1]) as ArrayLike<number | bigint>, Number)
    }
  }
  if (v.p !== undefined && v.p[i] !== 1) return null
  switch (v.t) {
    case 'num':
    case 'time':
      return v.v[i]
    case 'str':
      return v.dict[v.codes[i]]
    case 'bool':
      return v.v[i] === 1
    case 'id':
      return v.v.subarray(i * v.w, (i + 1) * v.w)
  }
}

/** True when row `i` holds a value; an all-zero id is no value. */
export function present(v: Vec, i: number): boolean {
  switch (v.t) {
    case 'id':
      return (v.p === undefined || v.p[i] === 1) && !isZeroId(v.v, i * v.w, v.w)
    case 'const':
      return v.value !== null
    case 'any':
      return v.v[i] !== undefined
    case 'list':
      return v.col.present === undefined || v.col.present[i] === 1
    default:
      return v.p === undefined || v.p[i] === 1
  }
}

/**
 * present() of every row of `v`, as a new mask the caller may change: copied from the vector's
 * present marks where it has them, with no test per row. An id vector's marks already count an
 * all-zero id absent (columnVec keeps them per column), so ids are neither read nor made.
 */
export function presentMask(v: Vec, n: number): Uint8Array {
  switch (v.t) {
    case 'const':
      return new Uint8Array(n).fill(v.value !== null ? 1 : 0)
    case 'any':
    case 'list': {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) out[i] = present(v, i) ? 1 : 0
      return out
    }
    default:
      return v.p === undefined ? new Uint8Array(n).fill(1) : v.p.slice(0, n)
  }
}

/** The JSON form of a cell of a result column: times as RFC 3339, ids as hex, integers as numbers. */
export function jsonCell(value: Scalar | undefined, type: ValueType): unknown {
  if (value === null || value === undefined) return null
  if (type === 'time' && typeof value === 'bigint') return formatTime(value)
  return toJson(value)
}

function toJson(value: AnyValue): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()
  // An all-zero id is OTLP's "no id" (a root's parent, a log without trace context).
  if (value instanceof Uint8Array) return isZeroId(value) ? null : bytesToHex(value)
  if (Array.isArray(value)) return value.map(toJson)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v)
    return out
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return value
}

/**
 * A column holding `values` (null is absent): numbers as f64, bigints (times) as i64,
 * strings as a dictionary, booleans, ids as bytes, anything else (or a mix) as `any`.
 */
export function columnOf(values: readonly Scalar[]): Column {
  const n = values.length
  // Plain loops: TypedArray.from with a mapping function costs about a microsecond a value.
  const present = new Uint8Array(n)
  let absent = 0
  let kind: string | undefined
  for (let i = 0; i < n; i++) {
    const x = values[i]
    if (x === null || x === undefined) {
      absent++
      continue
    }
    present[i] = 1
    if (kind === 'mixed') continue
    const k = x instanceof Uint8Array ? `id${x.length}` : typeof x
    kind = kind === undefined || kind === k ? k : 'mixed'
  }
  const p = absent === 0 ? undefined : present
  kind ??= 'mixed'
  if (kind === 'number') {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) if (present[i] === 1) out[i] = values[i] as number
    return { kind: 'f64', values: out, present: p }
  }
  if (kind === 'bigint') {
    const out = new BigInt64Array(n)
    for (let i = 0; i < n; i++) if (present[i] === 1) out[i] = values[i] as bigint
    return { kind: 'i64', values: out, present: p }
  }
  if (kind === 'boolean') {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = values[i] === true ? 1 : 0
    return { kind: 'bool', values: out, present: p }
  }
  if (kind === 'string') {
    const dict: string[] = []
    const index = new Map<string, number>()
    const codes = new Uint32Array(n)
    values.forEach((x, i) => {
      if (typeof x !== 'string') return
      let code = index.get(x)
      if (code === undefined) index.set(x, (code = dict.push(x) - 1))
      codes[i] = code
    })
    if (dict.length === 0) dict.push('')
    return { kind: 'str', dict, codes, present: p }
  }
  if (kind.startsWith('id')) {
    const width = Number(kind.slice(2))
    const out = new Uint8Array(n * width)
    values.forEach((x, i) => x instanceof Uint8Array && out.set(x, i * width))
    return { kind: 'bytes', width, values: out, present: p }
  }
  return { kind: 'any', values: values.map((x) => (x === null ? undefined : (x as AnyValue))), present: p }
}
