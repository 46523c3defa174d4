/**
 * @module query/eval-compare
 * Comparisons and string matches producing row masks (1 = true). An absent value makes
 * every comparison false (LANGUAGE.md "Absent values"). Dictionary strings are matched once
 * per dictionary entry, then rows by code; numbers and times loop over the typed arrays.
 */
import { bytesToHex, hexToBytes, type Utf8Strings } from '../storage/index.ts'
import type { BinaryOp, CompareOp, StringOp } from './ast.ts'
import { halves } from './i64.ts'
import { DICT_TABLE_MIN_ENTRIES, DICT_TABLES_PER_DICT } from './limits.ts'
import type { Pattern } from './regex.ts'
import { utf8Table } from './utf8-match.ts'
import { cell, type Scalar, type Vec } from './vec.ts'

export type MatchOp = CompareOp | StringOp

const FLIP: Record<CompareOp, CompareOp> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' }

/**
 * A mask of the rows where `a op b` holds. `regex` is the compiled pattern for `matches`.
 * @example compareVec('>', durations, { t: 'const', value: 1e8, type: 'duration' }, n)
 */
export function compareVec(op: MatchOp, a: Vec, b: Vec, n: number, regex?: Pattern): Uint8Array {
  if (a.t === 'const' && b.t !== 'const' && op in FLIP) return compareVec(FLIP[op as CompareOp], b, a, n)
  const out = new Uint8Array(n)
  if (b.t === 'const') {
    const value = b.value
    if (value === null) return out
    if (a.t === 'str') return dictMatch(op, a, value, out, regex)
    if (a.t === 'id' && (op === '=' || op === '!=')) return idConst(op, a, idBytes(value), out)
    if (a.t === 'num' && typeof value === 'number' && isCompare(op)) return numConst(op, a.v, a.p, value, out)
    if (a.t === 'time' && (typeof value === 'bigint' || Number.isInteger(value)) && isCompare(op)) {
      return timeConst(op, a.v, a.p, BigInt(value as number | bigint), out)
    }
  } else if (a.t === 'num' && b.t === 'num' && isCompare(op)) {
    for (let i = 0; i < n; i++) {
      if ((a.p === undefined || a.p[i] === 1) && (b.p === undefined || b.p[i] === 1)) out[i] = test(op, a.v[i], b.v[i]) ? 1 : 0
    }
    return out
  }
  for (let i = 0; i < n; i++) out[i] = matchScalar(op, cell(a, i), cell(b, i), regex) ? 1 : 0
  return out
}

function isCompare(op: MatchOp): op is CompareOp {
  return op in FLIP
}

function test<T extends number | bigint | string>(op: CompareOp, x: T, y: T): boolean {
  switch (op) {
    case '=':
      return x === y
    case '!=':
      return x !== y
    case '<':
      return x < y
    case '<=':
      return x <= y
    case '>':
      return x > y
    case '>=':
      return x >= y
  }
}

/**
 * Match tables of big dictionaries, by dictionary and filter. A scanned block's dictionary is
 * the block cache's, so a filter run again over cached blocks (a dashboard panel refreshed, a
 * query re-run) costs a pass over the codes instead of a string search per entry (65,536
 * log bodies take milliseconds). A table lives as long as its dictionary; see limits.ts.
 */
const dictTables = new WeakMap<object, Map<string, Uint8Array>>()

/** The key of a filter in dictTables, or undefined for one not kept (patterns, ids). */
function filterKey(op: MatchOp, value: Scalar, regex: Pattern | undefined): string | undefined {
  if (regex !== undefined) return undefined
  const type = typeof value
  return type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean' ? `${op}\u0000${type}\u0000${String(value)}` : undefined
}

/**
 * 1 for each dictionary entry `x` where `x op value` holds. A vector whose dictionary is also
 * UTF-8 bytes (`utf8`) is matched on them where bytes decide the op (utf8-match.ts), without
 * making its strings; its tables are kept by those bytes.
 */
export function dictTable(op: MatchOp, v: { readonly dict: readonly string[]; readonly utf8?: Utf8Strings }, value: Scalar, regex?: Pattern): Uint8Array {
  const owner = v.utf8 ?? v.dict
  const size = v.utf8 === undefined ? v.dict.length : v.utf8.offsets.length - 1
  const key = size >= DICT_TABLE_MIN_ENTRIES ? filterKey(op, value, regex) : undefined
  let kept = key === undefined ? undefined : dictTables.get(owner)
  const known = key === undefined ? undefined : kept?.get(key)
  // A dictionary still being written grows (entries are appended, never changed): match again.
  if (known !== undefined && known.length === size) return known
  const table = (v.utf8 !== undefined && regex === undefined ? utf8Table(op, v.utf8, value) : undefined) ?? stringTable(op, v.dict, value, regex)
  if (key !== undefined) {
    if (kept === undefined) dictTables.set(owner, (kept = new Map()))
    if (kept.size >= DICT_TABLES_PER_DICT) kept.delete(kept.keys().next().value!)
    kept.set(key, table)
  }
  return table
}

function stringTable(op: MatchOp, dict: readonly string[], value: Scalar, regex: Pattern | undefined): Uint8Array {
  const table = new Uint8Array(dict.length)
  if (op === 'contains' && typeof value === 'string') {
    // The reference `contains` (log bodies): without matchScalar's dispatch per entry.
    for (let d = 0; d < dict.length; d++) table[d] = dict[d].includes(value) ? 1 : 0
  } else {
    for (let d = 0; d < dict.length; d++) table[d] = matchScalar(op, dict[d], value, regex) ? 1 : 0
  }
  return table
}

function dictMatch(op: MatchOp, a: Extract<Vec, { t: 'str' }>, value: Scalar, out: Uint8Array, regex?: Pattern): Uint8Array {
  const table = dictTable(op, a, value, regex)
  const { codes, p } = a
  if (p === undefined) for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]]
  else for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]] & p[i]
  return out
}

function numConst(op: CompareOp, v: ArrayLike<number>, p: Uint8Array | undefined, c: number, out: Uint8Array): Uint8Array {
  const n = out.length
  switch (op) {
    case '=': for (let i = 0; i < n; i++) out[i] = v[i] === c ? 1 : 0; break
    case '!=': for (let i = 0; i < n; i++) out[i] = v[i] !== c ? 1 : 0; break
    case '<': for (let i = 0; i < n; i++) out[i] = v[i] < c ? 1 : 0; break
    case '<=': for (let i = 0; i < n; i++) out[i] = v[i] <= c ? 1 : 0; break
    case '>': for (let i = 0; i < n; i++) out[i] = v[i] > c ? 1 : 0; break
    case '>=': for (let i = 0; i < n; i++) out[i] = v[i] >= c ? 1 : 0; break
  }
  if (p !== undefined) for (let i = 0; i < n; i++) out[i] &= p[i]
  return out
}

/**
 * numConst over an i64 column read as numbers: each value made a double as toDoubles makes it
 * (so the answer is the same to the bit), compared at once, with no array of doubles.
 */
export function i64Const(op: CompareOp, values: BigInt64Array, p: Uint8Array | undefined, c: number): Uint8Array {
  const n = values.length
  const out = new Uint8Array(n)
  const { lo, hi } = halves(values)
  switch (op) {
    case '=': for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i] === c ? 1 : 0; break
    case '!=': for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i] !== c ? 1 : 0; break
    case '<': for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i] < c ? 1 : 0; break
    case '<=': for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i] <= c ? 1 : 0; break
    case '>': for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i] > c ? 1 : 0; break
    case '>=': for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i] >= c ? 1 : 0; break
  }
  if (p !== undefined) for (let i = 0; i < n; i++) out[i] &= p[i]
  return out
}

function timeConst(op: CompareOp, v: BigInt64Array, p: Uint8Array | undefined, c: bigint, out: Uint8Array): Uint8Array {
  for (let i = 0; i < out.length; i++) out[i] = test(op, v[i], c) ? 1 : 0
  if (p !== undefined) for (let i = 0; i < out.length; i++) out[i] &= p[i]
  return out
}

/**
 * `x op y` on two scalars: false when either is absent, and false when their types differ
 * (a string "5" is neither equal nor unequal to the number 5: the comparison does not apply to
 * that row). Ids compare with hex strings, integers (bigint) with numbers.
 */
export function matchScalar(op: MatchOp | BinaryOp, x: Scalar, y: Scalar, regex?: Pattern): boolean {
  if (x === null || y === null) return false
  switch (op) {
    case 'contains':
      return typeof x === 'string' && typeof y === 'string' && x.includes(y)
    case 'startswith':
      return typeof x === 'string' && typeof y === 'string' && x.startsWith(y)
    case 'endswith':
      return typeof x === 'string' && typeof y === 'string' && x.endsWith(y)
    case 'matches':
      return typeof x === 'string' && regex !== undefined && regex.test(x)
    case 'not contains':
      return typeof x === 'string' && typeof y === 'string' && !x.includes(y)
    case 'not startswith':
      return typeof x === 'string' && typeof y === 'string' && !x.startsWith(y)
    case 'not endswith':
      return typeof x === 'string' && typeof y === 'string' && !x.endsWith(y)
    case 'not matches':
      return typeof x === 'string' && regex !== undefined && !regex.test(x)
  }
  if (x instanceof Uint8Array) x = bytesToHex(x)
  if (y instanceof Uint8Array) y = bytesToHex(y)
  if (typeof x === 'bigint' && typeof y === 'number') x = Number(x)
  if (typeof y === 'bigint' && typeof x === 'number') y = Number(y)
  if (typeof x !== typeof y || typeof x === 'object') return false
  if (typeof x === 'boolean') return op === '=' ? x === y : op === '!=' ? x !== y : false
  return test(op as CompareOp, x as string, y as string)
}

function idConst(op: '=' | '!=', a: Extract<Vec, { t: 'id' }>, id: Uint8Array | undefined, out: Uint8Array): Uint8Array {
  const { w, v, p } = a
  const hit = op === '=' ? 1 : 0
  if (id === undefined || id.length !== w) {
    out.fill(1 - hit)
    if (p !== undefined) for (let i = 0; i < out.length; i++) out[i] &= p[i]
    return out
  }
  const first = id[0]
  outer: for (let r = 0; r < out.length; r++) {
    out[r] = 1 - hit
    const at = r * w
    if (v[at] !== first) continue
    for (let j = 1; j < w; j++) if (v[at + j] !== id[j]) continue outer
    out[r] = hit
  }
  if (p !== undefined) for (let i = 0; i < out.length; i++) out[i] &= p[i]
  return out
}

/** The bytes an id compares with, from a hex string literal. */
export function idBytes(value: Scalar): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value
  return typeof value === 'string' ? hexToBytes(value) : undefined
}
