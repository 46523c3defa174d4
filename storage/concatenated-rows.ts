/**
 * @module storage/concatenated-rows
 * Rows of several batches taken as if the batches were concatenated (concatBatches), without
 * building the concatenation: a part build gathers each block straight from the head's
 * batches, so it never holds a second copy of everything it writes.
 */
import { columnShapes, CompactDictionary, mergeDictionaries, newLike, toAnyColumn } from './batch-ops.ts'
import type { AnyValue, Batch, Column, Signal } from './model.ts'

type Kind = Column['kind']

interface Source {
  name: string
  kind: Kind
  width: number
  /** The column in each batch, converted to `kind`; undefined where a batch lacks it. */
  parts: (Column | undefined)[]
}

/** A string column: its parts keep their own dictionaries, each mapped into one merged dictionary. */
interface StringSource {
  name: string
  parts: (StrColumn | undefined)[]
  dict: string[]
  /** Code in `dict` of each code of each part's dictionary. */
  remaps: Uint32Array[]
}

const NO_STRINGS: readonly string[] = []
const NO_CODES = new Uint32Array(0)
const NO_BYTES = new Uint8Array(0)

export class ConcatenatedRows {
  readonly signal: Signal
  readonly length: number
  /** Where each batch's rows start. */
  private readonly starts: Uint32Array
  private readonly sources: Source[] = []
  private readonly strings: StringSource[] = []

  private readonly batches: readonly Batch[]

  constructor(signal: Signal, batches: readonly Batch[]) {
    this.signal = signal
    this.batches = batches
    this.starts = new Uint32Array(batches.length + 1)
    batches.forEach((b, i) => (this.starts[i + 1] = this.starts[i] + b.length))
    this.length = this.starts[batches.length]
    for (const [name, shape] of columnShapes(batches)) {
      const parts = batches.map((b) => {
        const c = b.columns[name]
        return c === undefined || c.kind === shape.kind ? c : toAnyColumn(c, b.length)
      })
      if (shape.kind !== 'str') {
        this.sources.push({ name, kind: shape.kind, width: shape.width, parts })
        continue
      }
      // One merged dictionary per flush; each block's codes are mapped into it as they are gathered.
      const strs = parts as (StrColumn | undefined)[]
      const { dict, remaps } = mergeDictionaries(strs.map((c) => c?.dict ?? NO_STRINGS), this.length)
      if (dict.length === 0) dict.push('')
      this.strings.push({ name, parts: strs, dict, remaps })
    }
  }

  /**
   * Every row, in `order` (a permutation of the rows), as batches of `blockRows` rows.
   * Each block is filled in source order: its rows are read as they lie in the batches (a
   * forward sweep the memory prefetcher follows) and written to their places in the block
   * (a block's columns are small enough to stay in cache). Gathering in block order instead
   * would read a series' points one cache miss each, across every batch of a flush.
   * A block's arrays are reused for the next block (a flush makes several; allocating, zeroing
   * and collecting each anew cost more than filling them): use a block before asking for the next.
   */
  *blocks(order: Uint32Array, blockRows: number): Generator<Batch> {
    const n = this.length
    if (order.length !== n) throw new Error(`cannot write blocks: the order has ${order.length} rows, the batches ${n}`)
    const blockOf = new Uint32Array(n)
    const placeOf = new Uint32Array(n)
    for (let k = 0; k < n; k++) {
      blockOf[order[k]] = Math.floor(k / blockRows)
      placeOf[order[k]] = k % blockRows
    }
    // Each block's rows in ascending order: a counting sort of the rows by block.
    const blocks = Math.ceil(n / blockRows)
    const next = new Uint32Array(blocks + 1)
    for (let b = 0; b < blocks; b++) next[b + 1] = Math.min(n, (b + 1) * blockRows)
    const byBlock = new Uint32Array(n)
    for (let row = 0; row < n; row++) byBlock[next[blockOf[row]]++] = row
    const arrays = new BlockArrays()
    const places = new Uint32Array(Math.min(n, blockRows))
    for (let b = 0, start = 0; b < blocks; b++) {
      const end = Math.min(n, start + blockRows)
      const source = byBlock.subarray(start, end)
      const place = places.subarray(0, end - start)
      for (let i = 0; i < place.length; i++) place[i] = placeOf[source[i]]
      yield this.scatter(source, place, arrays)
      start = end
    }
  }

  /** A batch whose row place[i] is row source[i] of the concatenation (source ascending). */
  private scatter(source: Uint32Array, place: Uint32Array, arrays: BlockArrays): Batch {
    const n = source.length
    // Source rows are ascending, so each batch's rows are one range of them: range[b] .. range[b + 1].
    const batches = this.batches.length
    const range = new Uint32Array(batches + 1)
    for (let b = 1; b <= batches; b++) range[b] = lowerBound(source, this.starts[b], range[b - 1])
    const rows: Scatter = { source, place, range, starts: this.starts }
    const columns: Record<string, Column> = {}
    for (const s of this.strings) columns[s.name] = scatterStrings(s, rows, arrays)
    for (const s of this.sources) columns[s.name] = scatterAcross(s, rows, arrays)
    return { signal: this.signal, length: n, columns }
  }
}

/** The first index from `from` on where `sorted` holds a value of at least `value`. */
function lowerBound(sorted: Uint32Array, value: number, from: number): number {
  let lo = from
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

type Numbers = Uint8Array | Uint32Array | Int32Array | Float64Array | BigInt64Array

/** The arrays of one block, by column and role, kept for the next block of the same build. */
class BlockArrays {
  private readonly kept = new Map<string, Numbers>()

  /** An array like `like` (its type) of `n` elements, zeroed when `zero` (else of any content). */
  take<T extends Numbers>(key: string, like: T, n: number, zero: boolean): T {
    let array = this.kept.get(key) as T | undefined
    if (array === undefined || array.constructor !== like.constructor || array.length < n) {
      array = newLike(like, Math.max(n, 2 * (array?.length ?? 0)))
      this.kept.set(key, array)
      return array.subarray(0, n) as T
    }
    const view = array.subarray(0, n) as T
    // Zeroed as bytes: one call for every element type (a BigInt64Array takes no number 0).
    if (zero) new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0)
    return view
  }
}

type StrColumn = Extract<Column, { kind: 'str' }>

/**
 * A string column scattered, its codes mapped into the merged dictionary. A dictionary larger
 * than the rows taken (a block of a big flush) is replaced by one of only the strings used.
 */
function scatterStrings(column: StringSource, rows: Scatter, arrays: BlockArrays): Column {
  const { source, place, range, starts } = rows
  const n = source.length
  const present = scatterPresenceAcross(column.name, column.parts, rows, arrays)
  const codes = arrays.take(column.name, NO_CODES, n, column.parts.includes(undefined))
  for (let b = 0; b < column.parts.length; b++) {
    const c = column.parts[b]
    if (c === undefined) continue
    const remap = column.remaps[b]
    const src = c.codes
    const base = starts[b]
    for (let i = range[b]; i < range[b + 1]; i++) codes[place[i]] = remap[src[source[i] - base]]
  }
  if (column.dict.length <= n) return { kind: 'str', dict: column.dict, codes, present }
  const compact = new CompactDictionary(column.dict)
  for (let i = 0; i < n; i++) codes[i] = compact.code(codes[i])
  return { kind: 'str', dict: compact.dict, codes, present }
}

/**
 * Where a block's rows come from and go: place[i] takes row source[i] of the concatenation;
 * batch b supplies source[range[b] .. range[b + 1]), its rows starting at starts[b]. The loops
 * below run batch by batch over these ranges, so each inner loop reads one typed array.
 */
interface Scatter {
  source: Uint32Array
  place: Uint32Array
  range: Uint32Array
  starts: Uint32Array
}

/** Presence of the scattered rows; undefined when every one holds a value. */
function scatterPresenceAcross(name: string, parts: (Column | undefined)[], rows: Scatter, arrays: BlockArrays): Uint8Array | undefined {
  if (parts.every((c) => c !== undefined && c.present === undefined)) return undefined
  const { source, place, range, starts } = rows
  const present = arrays.take(`${name}\0present`, NO_BYTES, source.length, parts.includes(undefined))
  let all = true
  for (let b = 0; b < parts.length; b++) {
    const c = parts[b]
    const from = range[b]
    const to = range[b + 1]
    if (from === to) continue
    if (c === undefined) {
      all = false
      continue
    }
    const p = c.present
    if (p === undefined) {
      for (let i = from; i < to; i++) present[place[i]] = 1
      continue
    }
    const base = starts[b]
    for (let i = from; i < to; i++) {
      const v = p[source[i] - base]
      present[place[i]] = v
      if (v !== 1) all = false
    }
  }
  return all ? undefined : present
}

/*
 * Fixed-width values are copied as 32-bit words or as bytes, one function per array type, so
 * the per-row reads stay monomorphic: that matters at a million rows per flush.
 */

function words(values: ArrayBufferView): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.byteLength >>> 2)
}

function bytes(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
}

/** Copies `width` 32-bit words per row from each row's batch (`src`) into its place in `out`; absent batches leave zeros. */
function scatterWords(out: Uint32Array, src: (Uint32Array | undefined)[], width: number, rows: Scatter): void {
  const { source, place, range, starts } = rows
  for (let b = 0; b < src.length; b++) {
    const v = src[b]
    if (v === undefined) continue
    const to = range[b + 1]
    const base = starts[b]
    if (width === 1) {
      for (let i = range[b]; i < to; i++) out[place[i]] = v[source[i] - base]
    } else if (width === 2) {
      for (let i = range[b]; i < to; i++) {
        const at = 2 * place[i]
        const row = 2 * (source[i] - base)
        out[at] = v[row]
        out[at + 1] = v[row + 1]
      }
    } else {
      for (let i = range[b]; i < to; i++) {
        const at = place[i] * width
        const row = (source[i] - base) * width
        for (let j = 0; j < width; j++) out[at + j] = v[row + j]
      }
    }
  }
}

/** scatterWords for bytes (booleans, ids). */
function scatterBytes(out: Uint8Array, src: (Uint8Array | undefined)[], width: number, rows: Scatter): void {
  const { source, place, range, starts } = rows
  for (let b = 0; b < src.length; b++) {
    const v = src[b]
    if (v === undefined) continue
    const to = range[b + 1]
    const base = starts[b]
    for (let i = range[b]; i < to; i++) {
      const at = place[i] * width
      const row = (source[i] - base) * width
      for (let j = 0; j < width; j++) out[at + j] = v[row + j]
    }
  }
}

function scatterAcross(column: Source, rows: Scatter, arrays: BlockArrays): Column {
  const { name, parts, kind } = column
  const n = rows.source.length
  const present = scatterPresenceAcross(name, parts, rows, arrays)
  const gaps = parts.includes(undefined)
  const first = parts.find((c) => c !== undefined) as Column
  switch (first.kind) {
    case 'u32':
    case 'i32':
    case 'f64':
    case 'i64': {
      const values = arrays.take(name, first.values, n, gaps)
      const width = first.values.BYTES_PER_ELEMENT >>> 2
      scatterWords(words(values), parts.map((c) => (c === undefined ? undefined : words((c as typeof first).values))), width, rows)
      return { kind, values, present } as Column
    }
    case 'bool':
    case 'bytes': {
      const width = first.kind === 'bytes' ? first.width : 1
      const values = arrays.take(name, NO_BYTES, n * width, gaps)
      scatterBytes(values, parts.map((c) => (c === undefined ? undefined : bytes((c as typeof first).values))), width, rows)
      return first.kind === 'bytes' ? { kind: 'bytes', width, values, present } : { kind: 'bool', values, present }
    }
    case 'str':
      throw new Error('cannot gather a string column as other kinds: string columns have scatterStrings')
    case 'i64list':
    case 'f64list':
      return scatterLists(name, parts as (typeof first | undefined)[], rows, present, arrays)
    case 'any': {
      const { source, place, range, starts } = rows
      const values = new Array<AnyValue | undefined>(n)
      for (let b = 0; b < parts.length; b++) {
        const c = parts[b] as typeof first | undefined
        if (c === undefined) continue
        for (let i = range[b]; i < range[b + 1]; i++) values[place[i]] = c.values[source[i] - starts[b]]
      }
      return { kind: 'any', values, present }
    }
  }
}

function scatterLists(name: string, parts: (Extract<Column, { kind: 'i64list' | 'f64list' }> | undefined)[], rows: Scatter, present: Uint8Array | undefined, arrays: BlockArrays): Column {
  const { source, place, range, starts } = rows
  const n = source.length
  const first = parts.find((c) => c !== undefined) as Extract<Column, { kind: 'i64list' | 'f64list' }>
  // Each place's list length, then offsets by place.
  const offsets = arrays.take(`${name}\0offsets`, NO_CODES, n + 1, true)
  for (let b = 0; b < parts.length; b++) {
    const o = parts[b]?.offsets
    if (o === undefined) continue
    const base = starts[b]
    for (let i = range[b]; i < range[b + 1]; i++) {
      const row = source[i] - base
      offsets[place[i] + 1] = o[row + 1] - o[row]
    }
  }
  for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i]
  // Copied as 32-bit words: both element types are 8 bytes wide.
  const values = arrays.take(name, first.values, offsets[n], false)
  const out = words(values)
  for (let b = 0; b < parts.length; b++) {
    const c = parts[b]
    if (c === undefined) continue
    const o = c.offsets
    const src = words(c.values)
    const base = starts[b]
    for (let i = range[b]; i < range[b + 1]; i++) {
      const row = source[i] - base
      const end = 2 * o[row + 1]
      for (let j = 2 * o[row], at = 2 * offsets[place[i]]; j < end; j++) out[at++] = src[j]
    }
  }
  return { kind: first.kind, offsets, values, present } as Column
}
