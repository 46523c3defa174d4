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
  /** rowIds' table of the time halves last seen at each slot, with their ids. */
  private times: Int32Array | undefined

  get size(): number {
    return this.ids.size
  }

  /** The dense id of `key`, given on first sight. */
  id(key: unknown): number {
    let id = this.ids.get(key)
    if (id === undefined) {
      id = this.ids.size
      this.ids.set(key, id)
    }
    return id
  }

  /** The id of every row of `v`; absent values share one id. `out`: an array of n to write them to. */
  rowIds(v: Vec, n: number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
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
      // Comparing 32-bit halves: reading a BigInt64Array makes a BigInt per row, and a map
      // hashes it. A few distinct times (bin(time, 1m) buckets) in any order hit a small table
      // of the halves last seen at each slot.
      const w = new Int32Array(v.v.buffer, v.v.byteOffset, 2 * n)
      // Ids never change, so the table holds from batch to batch.
      const seen = (this.times ??= new Int32Array(3 * TIME_SLOTS).fill(-1))
      for (let i = 0; i < n; i++) {
        const lo = w[2 * i]
        const hi = w[2 * i + 1]
        const slot = 3 * ((lo ^ hi ^ (lo >>> 16)) & (TIME_SLOTS - 1))
        if (seen[slot + 2] < 0 || seen[slot] !== lo || seen[slot + 1] !== hi) {
          seen[slot] = lo
          seen[slot + 1] = hi
          seen[slot + 2] = this.id(v.v[i])
        }
        out[i] = seen[slot + 2]
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

/**
 * Slots of the table of recent times rowIds keeps (a power of two): several times the distinct
 * bins a block holds (240 bins of a minute over four hours), so that few collide and make a
 * BigInt to look up again.
 */
const TIME_SLOTS = 4096

export function keyOf(value: Scalar): unknown {
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

/**
 * Rows of a batch as runs of one group: run r is rows starts[r] .. starts[r + 1] of group
 * groups[r]. Spans are stored by service, so grouping by service gives a few runs per block,
 * and an aggregate adds a run's rows without a group lookup per row.
 */
export interface GroupRuns {
  readonly count: number
  readonly starts: Uint32Array
  readonly groups: Uint32Array
}

/** Runs are offered to aggregates when a run holds this many rows on average, or more. */
const RUN_ROWS = 16

/**
 * The groups of a batch whose keys are all dictionary strings, from their codes alone: one
 * combined code per row (absent is one code past the dictionary), and a table from combined
 * code to group filled once per distinct combination, through the same interners as the
 * general path, so group numbers are the ones it would give. Undefined when the combinations
 * outnumber DENSE_FOLD_CELLS. One key is read as runs of equal codes.
 */
function dictionaryGroups(vecs: readonly Vec[], n: number, keys: ValueInterner[], folds: ValueInterner[], values: Scalar[][], scratch: Scratch): { groups: Uint32Array; rows: Float64Array; runs?: GroupRuns } | undefined {
  let cells = 1
  for (const v of vecs) {
    if (v.t !== 'str') return undefined
    cells *= v.dict.length + 1
  }
  if (cells > DENSE_FOLD_CELLS) return undefined
  const strs = vecs as readonly Extract<Vec, { t: 'str' }>[]
  if (scratch.groups.length < n) scratch.groups = new Uint32Array(n)
  if (scratch.table.length < cells) [scratch.table, scratch.hist] = [new Int32Array(cells), new Uint32Array(cells)]
  const table = scratch.table.fill(-1, 0, cells)
  const codes = strs.map(presentCodes)
  // Each key's id by code, looked up once per dictionary entry met: a new combination then
  // costs one lookup of a pair of numbers, not of its strings.
  const ids = strs.map((v) => new Int32Array(v.dict.length + 1).fill(-1))
  const idOf = (k: number, i: number): number => {
    const code = codes[k][i]
    const id = ids[k][code]
    return id >= 0 ? id : (ids[k][code] = keys[k].id(cell(strs[k], i)))
  }
  const group = (i: number, code: number): number => {
    let g = idOf(0, i)
    for (let k = 1; k < strs.length; k++) g = folds[k - 1].pair(g, idOf(k, i))
    if (g >= values.length) keepValues(values, g, strs.map((v) => cell(v, i)))
    return (table[code] = g)
  }
  const out = scratch.groups.subarray(0, n)
  // Rows per combined code, counted on the way: count() then needs no pass of its own.
  const hist = scratch.hist.fill(0, 0, cells)
  let runs: GroupRuns | undefined
  if (codes.length === 1) {
    if (scratch.starts.length < n + 1) [scratch.starts, scratch.runGroups] = [new Uint32Array(n + 1), new Uint32Array(n)]
    const { starts, runGroups } = scratch
    const count = codeRuns(codes[0], n, starts)
    if (count * RUN_ROWS <= n) {
      for (let r = 0; r < count; r++) {
        const from = starts[r]
        const code = codes[0][from]
        const g = table[code] >= 0 ? table[code] : group(from, code)
        out.fill(g, from, starts[r + 1])
        hist[code] += starts[r + 1] - from
        runGroups[r] = g
      }
      runs = { count, starts, groups: runGroups }
    } else {
      // Short runs (span names within a service): a fill call per run costs more than a
      // lookup per row, so rows map code to group as with several keys.
      out.set(codes[0].subarray(0, n))
      for (let i = mapCodes(out, table, hist, 0, n); i < n; i = mapCodes(out, table, hist, i, n)) group(i, out[i])
    }
  } else {
    // New combinations are met outside the loops, which then go on from the row that made one.
    if (codes.length === 2) {
      const [a, b] = codes
      const width = strs[1].dict.length + 1
      for (let i = mapPairs(a, b, width, out, table, hist, 0, n); i < n; i = mapPairs(a, b, width, out, table, hist, i, n)) group(i, a[i] * width + b[i])
    } else {
      out.fill(0)
      strs.forEach((v, k) => combineInto(out, codes[k], v.dict.length + 1, n))
      for (let i = mapCodes(out, table, hist, 0, n); i < n; i = mapCodes(out, table, hist, i, n)) group(i, out[i])
    }
  }
  const rows = new Float64Array(values.length)
  for (let code = 0; code < cells; code++) if (hist[code] > 0) rows[table[code]] += hist[code]
  return { groups: out, rows, runs }
}

/** Fills starts[0 .. count] with where each run of equal codes begins (starts[count] = n); returns count. */
function codeRuns(codes: Uint32Array, n: number, starts: Uint32Array): number {
  let count = 0
  let i = 0
  while (i < n) {
    starts[count++] = i
    const code = codes[i]
    i++
    while (i < n && codes[i] === code) i++
  }
  starts[count] = n
  return count
}

/** mapCodes for two keys, combining their codes on the way (one pass, no combined codes stored). */
function mapPairs(a: Uint32Array, b: Uint32Array, width: number, out: Uint32Array, table: Int32Array, hist: Uint32Array, from: number, n: number): number {
  for (let i = from; i < n; i++) {
    const code = a[i] * width + b[i]
    const g = table[code]
    if (g < 0) return i
    hist[code]++
    out[i] = g
  }
  return n
}

function combineInto(out: Uint32Array, codes: Uint32Array, width: number, n: number): void {
  for (let i = 0; i < n; i++) out[i] = out[i] * width + codes[i]
}

/**
 * Replaces combined codes by their groups from row `from` on, counting rows per code; stops at
 * the first code with no group yet and returns its row (n when done). The loop calls nothing,
 * so it stays one tight optimised loop.
 */
function mapCodes(out: Uint32Array, table: Int32Array, hist: Uint32Array, from: number, n: number): number {
  for (let i = from; i < n; i++) {
    const code = out[i]
    const g = table[code]
    if (g < 0) return i
    hist[code]++
    out[i] = g
  }
  return n
}

/**
 * Arrays grouping on codes reuses from batch to batch: new arrays of a batch's size each time
 * cost more than the pass that fills them (zeroed memory, and garbage to collect).
 */
interface Scratch {
  groups: Uint32Array
  /** One key's ids, before they are folded into groups. */
  ids: Uint32Array
  table: Int32Array
  hist: Uint32Array
  starts: Uint32Array
  runGroups: Uint32Array
}

/** The codes of a dictionary vector, absent rows given the code past the dictionary. */
function presentCodes(v: Extract<Vec, { t: 'str' }>): Uint32Array {
  const { codes, p } = v
  if (p === undefined) return codes
  const out = new Uint32Array(codes.length)
  for (let i = 0; i < codes.length; i++) out[i] = p[i] === 1 ? codes[i] : v.dict.length
  return out
}

/** Records the key values of a new group, within MAX_GROUPS. */
export function keepValues(values: Scalar[][], g: number, row: Scalar[]): void {
  if (g >= MAX_GROUPS) throw new QueryError('MEMORY_LIMIT', `cannot group rows: more than ${MAX_GROUPS} groups; group by fewer or coarser keys`)
  values[g] = row
}

/** Dense group numbers over several keys, with each group's key values kept for the result. */
export class GroupKeys {
  private readonly keys: ValueInterner[]
  private readonly folds: ValueInterner[]
  /** Key values of each group, from the first row that made it. */
  readonly values: Scalar[][] = []
  /** Rows of each group in the batch last assigned, when grouping counted them on the way. */
  rowsPerGroup: Float64Array | undefined
  /** The batch last assigned as runs of one group, when it came in long runs. */
  runs: GroupRuns | undefined
  /** Groups of the bins countRows met, by bin number (time / width). */
  private readonly bins = new Map<number, number>()
  /** Group numbers of a batch with no keys (all 0), grown as batches need. */
  private zeros = new Uint32Array(0)
  private readonly scratch: Scratch = { groups: new Uint32Array(0), ids: new Uint32Array(0), table: new Int32Array(0), hist: new Uint32Array(0), starts: new Uint32Array(0), runGroups: new Uint32Array(0) }

  constructor(keyCount: number) {
    this.keys = Array.from({ length: keyCount }, () => new ValueInterner())
    this.folds = Array.from({ length: Math.max(0, keyCount - 1) }, () => new ValueInterner())
    if (keyCount === 0) this.values.push([])
  }

  get count(): number {
    return this.values.length
  }

  /**
   * The group of each row, creating groups for new key combinations. The array may be reused
   * by the next call: read it before, copy what must outlive it.
   * @example keys.assign([serviceVec, nameVec], batch.length) // Uint32Array of group numbers
   */
  assign(vecs: readonly Vec[], n: number): Uint32Array {
    if (vecs.length === 0) {
      // One group: every row's number is 0, from one array of zeros nobody writes, and the
      // rows are counted for count() without a pass.
      if (this.zeros.length < n) this.zeros = new Uint32Array(n)
      this.rowsPerGroup = Float64Array.of(n)
      this.runs = undefined
      return this.zeros.subarray(0, n)
    }
    const coded = dictionaryGroups(vecs, n, this.keys, this.folds, this.values, this.scratch)
    this.rowsPerGroup = coded?.rows
    this.runs = coded?.runs
    if (coded !== undefined) return coded.groups
    const { scratch } = this
    if (scratch.groups.length < n) scratch.groups = new Uint32Array(n)
    if (vecs.length > 1 && scratch.ids.length < n) scratch.ids = new Uint32Array(n)
    const groups = this.keys[0].rowIds(vecs[0], n, scratch.groups.subarray(0, n))
    for (let k = 1; k < vecs.length; k++) foldInto(groups, this.keys[k].rowIds(vecs[k], n, scratch.ids.subarray(0, n)), this.folds[k - 1])
    for (let i = 0; i < n; i++) {
      const g = groups[i]
      if (g >= this.values.length) keepValues(this.values, g, rowValues(vecs, i))
    }
    return groups
  }

  /**
   * Rows per group of rows `rows` (ascending) of a batch whose one key is `v`, the groups made
   * as assign makes them (first seen first, absent values one group), or undefined when `v` is
   * no dictionary string or time: `stats count() by x` over rows a `where` picked reads their
   * codes (or times) in the block, with no copy of the rows and no group number per row. With
   * `binWidth`, the key is bin(v, binWidth) of a time (undefined when a time lies too far from
   * the first to be binned exactly in a double).
   */
  countRows(v: Vec, rows: Uint32Array, binWidth?: number): Float64Array | undefined {
    if (this.keys.length !== 1) return undefined
    const slots: number[] = []
    const groups: number[] = []
    let counts: Uint32Array
    // A big dictionary of bytes (log bodies) would make every string of the block: copy instead.
    if (v.t === 'str' && binWidth === undefined && (v.utf8 === undefined || v.utf8.offsets.length - 1 <= rows.length)) {
      const absent = v.dict.length
      counts = new Uint32Array(absent + 1)
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]
        const code = v.p !== undefined && v.p[row] !== 1 ? absent : v.codes[row]
        if (counts[code]++ === 0) slots.push(code)
      }
      for (const code of slots) groups.push(this.group(code === absent ? null : v.dict[code]))
    } else if (v.t === 'time' && binWidth !== undefined && rows.length > 0) {
      const binned = timeBins(v, rows, binWidth)
      if (binned === undefined) return undefined
      counts = binned.counts
      for (const slot of binned.order) {
        slots.push(slot)
        // Bins are known by their number (time / width) from block to block: a BigInt is made
        // and interned only for a bin not met before.
        const index = slot === binned.absent ? undefined : binned.baseIndex + slot + binned.min
        let g = index === undefined || !Number.isSafeInteger(index) ? undefined : this.bins.get(index)
        if (g === undefined) {
          g = this.group(slot === binned.absent ? null : binned.base + BigInt(slot + binned.min) * binned.width)
          if (index !== undefined) this.bins.set(index, g)
        }
        groups.push(g)
      }
    } else return undefined
    const rowsPerGroup = new Float64Array(this.values.length)
    for (let k = 0; k < slots.length; k++) rowsPerGroup[groups[k]] += counts[slots[k]]
    return rowsPerGroup
  }

  /** The group of a one-key value, made on first sight. */
  private group(key: Scalar): number {
    const g = this.keys[0].id(key)
    if (g >= this.values.length) keepValues(this.values, g, [key])
    return g
  }
}

/** Times nearer than this to a base stay exact as a double of their difference (2^52 ns, 52 days). */
const EXACT_SPAN = 2 ** 52
/** Most distinct bins timeBins counts in a flat array. */
const MAX_BIN_SLOTS = 1 << 16

/** Counts per bin slot: slot s is the bin at base + (s + min) * width, number baseIndex + s + min; `absent` the slot of absent times. */
interface TimeBins {
  readonly order: readonly number[]
  readonly counts: Uint32Array
  readonly absent: number
  readonly base: bigint
  readonly baseIndex: number
  readonly min: number
  readonly width: bigint
}

/**
 * bin(time, width) of rows `rows` of a time vector, as counts per bin slot in first-seen order:
 * each time is read as its 32-bit halves and binned as its (exact) difference from the bin of
 * the first row, with no BigInt per row; the bin's time is made once per slot. Absent times
 * take the slot past the bins. Undefined when the times lie too far apart for that.
 */
function timeBins(v: Extract<Vec, { t: 'time' }>, rows: Uint32Array, width: number): TimeBins | undefined {
  const wb = BigInt(Math.round(width))
  const w = Number(wb)
  if (!(w >= 1 && w < EXACT_SPAN)) return undefined
  const numbered = binNumbers(v, rows, wb)
  if (numbered === undefined) return undefined
  if (numbered === null) return { order: [0], counts: Uint32Array.of(rows.length), absent: 0, base: 0n, baseIndex: 0, min: 0, width: wb }
  const { bins, min, max, base } = numbered
  const slots = max - min + 1
  if (slots > MAX_BIN_SLOTS) return undefined
  const counts = new Uint32Array(slots + 1)
  const order: number[] = []
  for (let i = 0; i < rows.length; i++) {
    const q = bins[i]
    const slot = q !== q ? slots : q - min
    if (counts[slot]++ === 0) order.push(slot)
  }
  return { order, counts, absent: slots, base, baseIndex: Number(base / wb), min, width: wb }
}

/** Bins of picked rows: row k's time is in bin base + bins[k] * width (NaN: absent), bins within [min, max]. */
interface BinNumbers {
  readonly values: BigInt64Array
  readonly p: Uint8Array | undefined
  readonly width: bigint
  readonly base: bigint
  readonly bins: Float64Array
  readonly min: number
  readonly max: number
}

/**
 * The bin numbers of picked rows, by the rows array: a rare pick's rows stay with the block's
 * codes while it is cached (row-select.ts pickCoded), so `where status = "error" | stats count()
 * by bin(time, 1m)` run again reads its bins in order instead of each row's time in a block of
 * 65,536 (a cache miss per row). 8 bytes per picked row; they go with the rows.
 */
const binsOfRows = new WeakMap<Uint32Array, BinNumbers[]>()

/** Bins kept per rows array (one per time column and width; the oldest is dropped first). */
const BINS_PER_ROWS = 2

/** binNumbers of `rows` of `v`: null when every row is absent, undefined when the times lie too far apart. */
function binNumbers(v: Extract<Vec, { t: 'time' }>, rows: Uint32Array, wb: bigint): BinNumbers | null | undefined {
  const kept = binsOfRows.get(rows)
  const known = kept?.find((e) => e.values === v.v && e.p === v.p && e.width === wb)
  if (known !== undefined) return known
  const w = Number(wb)
  const halves = new Int32Array(v.v.buffer, v.v.byteOffset, 2 * v.v.length)
  const p = v.p
  let first = 0
  while (first < rows.length && p !== undefined && p[rows[first]] !== 1) first++
  if (first === rows.length) return null
  const t0 = v.v[rows[first]]
  const r0 = t0 % wb
  const base = t0 - (r0 < 0n ? r0 + wb : r0)
  const baseHi = Number(BigInt.asIntN(32, base >> 32n))
  const baseLo = Number(BigInt.asUintN(32, base))
  const bins = new Float64Array(rows.length)
  let min = 0
  let max = 0
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]
    if (p !== undefined && p[row] !== 1) {
      bins[i] = NaN
      continue
    }
    const offset = (halves[2 * row + 1] - baseHi) * 4294967296 + ((halves[2 * row] >>> 0) - baseLo)
    if (offset >= EXACT_SPAN || offset <= -EXACT_SPAN) return undefined
    // Floor of the quotient, corrected where the division rounded across a multiple of w.
    let q = Math.floor(offset / w)
    const rest = offset - q * w
    if (rest < 0) q--
    else if (rest >= w) q++
    bins[i] = q
    if (q < min) min = q
    if (q > max) max = q
  }
  const numbered = { values: v.v, p, width: wb, base, bins, min, max }
  const entries = kept ?? []
  if (entries.length >= BINS_PER_ROWS) entries.shift()
  entries.push(numbered)
  if (kept === undefined) binsOfRows.set(rows, entries)
  return numbered
}

/**
 * The key values of row `i`. Out of line: a closure over the loop variable would make V8
 * allocate a context for every row of the loop, not only for new groups.
 */
function rowValues(vecs: readonly Vec[], i: number): Scalar[] {
  return vecs.map((v) => cell(v, i))
}
