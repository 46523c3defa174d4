/**
 * @module query/group-keys
 * Turns the key values of each row into a dense group number, batch after batch, so that
 * aggregate state lives in flat arrays indexed by group. Each key's values are interned
 * (a dictionary string once per dictionary entry, not per row); several keys fold pairwise
 * into one number: pair (a, b) is interned as a * 2^26 + b, exact in a double.
 */
import { bytesToHex } from '../storage/index.ts'
import { QueryError } from './errors.ts'
import { MAX_GROUPS } from './limits.ts'
import { cell, type Scalar, type Vec } from './vec.ts'

const PAIR = 2 ** 26

/** Interns values of one key: equal values get equal dense ids, in first-seen order. */
export class ValueInterner {
  private readonly ids = new Map<unknown, number>()

  get size(): number {
    return this.ids.size
  }

  private id(key: unknown): number {
    let id = this.ids.get(key)
    if (id === undefined) {
      id = this.ids.size
      this.ids.set(key, id)
    }
    return id
  }

  /** The id of every row of `v`; absent values share one id. */
  rowIds(v: Vec, n: number): Uint32Array {
    const out = new Uint32Array(n)
    if (v.t === 'str') {
      // Ids are given on first use in row order, so group numbers follow the rows.
      const table = new Int32Array(v.dict.length).fill(-1)
      for (let i = 0; i < n; i++) {
        if (v.p !== undefined && v.p[i] !== 1) {
          out[i] = this.id(null)
          continue
        }
        const code = v.codes[i]
        let id = table[code]
        if (id < 0) id = table[code] = this.id(v.dict[code])
        out[i] = id
      }
      return out
    }
    if (v.t === 'const') return out.fill(this.id(keyOf(v.value)))
    if (v.t === 'time' && v.p === undefined) {
      // As below, comparing 32-bit halves: reading a BigInt64Array makes a BigInt per row.
      const w = new Int32Array(v.v.buffer, v.v.byteOffset, 2 * n)
      let lastId = 0
      for (let i = 0; i < n; i++) {
        if (i === 0 || w[2 * i] !== w[2 * i - 2] || w[2 * i + 1] !== w[2 * i - 1]) lastId = this.id(v.v[i])
        out[i] = lastId
      }
      return out
    }
    if (v.t === 'num' && v.p === undefined) {
      // Runs of equal values are common (time buckets, sorted data): skip the map for them.
      let last: number | bigint | undefined
      let lastId = 0
      for (let i = 0; i < n; i++) {
        const x = v.v[i]
        if (x !== last) {
          last = x
          lastId = this.id(x)
        }
        out[i] = lastId
      }
      return out
    }
    for (let i = 0; i < n; i++) out[i] = this.id(keyOf(cell(v, i)))
    return out
  }

  /** Interns one number (a folded pair). */
  pair(a: number, b: number): number {
    return this.id(a * PAIR + b)
  }
}

function keyOf(value: Scalar): unknown {
  if (value === null || typeof value !== 'object') return value
  if (value instanceof Uint8Array) return `id:${bytesToHex(value)}`
  return `json:${JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}`
}

/**
 * Largest (a, b) table, in cells, used to fold a batch's key pairs without a map lookup per
 * row: 64 Ki cells (256 KiB) covers e.g. 50 services x 1,000 operations.
 */
const DENSE_FOLD_CELLS = 1 << 16

/** groups[i] = fold.pair(groups[i], ids[i]), looking each distinct pair up once per batch. */
function foldInto(groups: Uint32Array, ids: Uint32Array, fold: ValueInterner): void {
  let maxA = 0
  let maxB = 0
  for (let i = 0; i < groups.length; i++) {
    if (groups[i] > maxA) maxA = groups[i]
    if (ids[i] > maxB) maxB = ids[i]
  }
  const width = maxB + 1
  if ((maxA + 1) * width > DENSE_FOLD_CELLS) {
    for (let i = 0; i < groups.length; i++) groups[i] = fold.pair(groups[i], ids[i])
    return
  }
  const cache = new Int32Array((maxA + 1) * width).fill(-1)
  for (let i = 0; i < groups.length; i++) {
    const at = groups[i] * width + ids[i]
    let g = cache[at]
    if (g < 0) g = cache[at] = fold.pair(groups[i], ids[i])
    groups[i] = g
  }
}

/** Dense group numbers over several keys, with each group's key values kept for the result. */
export class GroupKeys {
  private readonly keys: ValueInterner[]
  private readonly folds: ValueInterner[]
  /** Key values of each group, from the first row that made it. */
  readonly values: Scalar[][] = []

  constructor(keyCount: number) {
    this.keys = Array.from({ length: keyCount }, () => new ValueInterner())
    this.folds = Array.from({ length: Math.max(0, keyCount - 1) }, () => new ValueInterner())
    if (keyCount === 0) this.values.push([])
  }

  get count(): number {
    return this.values.length
  }

  /**
   * The group of each row, creating groups for new key combinations.
   * @example keys.assign([serviceVec, nameVec], batch.length) // Uint32Array of group numbers
   */
  assign(vecs: readonly Vec[], n: number): Uint32Array {
    if (vecs.length === 0) return new Uint32Array(n)
    const groups = this.keys[0].rowIds(vecs[0], n)
    for (let k = 1; k < vecs.length; k++) foldInto(groups, this.keys[k].rowIds(vecs[k], n), this.folds[k - 1])
    for (let i = 0; i < n; i++) {
      const g = groups[i]
      if (g >= this.values.length) {
        if (g >= MAX_GROUPS) throw new QueryError('MEMORY_LIMIT', `cannot group rows: more than ${MAX_GROUPS} groups; group by fewer or coarser keys`)
        this.values[g] = rowValues(vecs, i)
      }
    }
    return groups
  }
}

/**
 * The key values of row `i`. Out of line: a closure over the loop variable would make V8
 * allocate a context for every row of the loop, not only for new groups.
 */
function rowValues(vecs: readonly Vec[], i: number): Scalar[] {
  return vecs.map((v) => cell(v, i))
}
