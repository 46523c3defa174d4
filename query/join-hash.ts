/**
 * @module query/join-hash
 * Row hashes and key equality for hash joins. Equal key values hash equally whatever the
 * column layout: an id by its bytes, a string by its text (hashed once per dictionary entry),
 * a number by its double bits, a time by its 64 bits. Hashes are FNV-1a, 32 bits; equal
 * hashes are confirmed by comparing the values. One side's rows are indexed in typed arrays
 * and the other side's rows probe them in chunks (PACE_ROWS); when keys are ids, a bitset of
 * the indexed rows' ids drops most probe rows that cannot match before they are hashed.
 */
import { ID_FILTER_BITS_PER_ROW, ID_FILTER_MAX_LOG2, PACE_ROWS } from './limits.ts'
import { cell, present, type Vec } from './vec.ts'

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

function hashString(s: string): number {
  let h = FNV_OFFSET
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME)
  return h >>> 0
}

const scratch = new Float64Array(1)
const scratchWords = new Uint32Array(scratch.buffer)

/**
 * Hashes of each row's key (all keys combined) and whether every key is present. With `only`,
 * rows where it is 0 are neither hashed nor valid.
 */
export function hashRows(vecs: readonly Vec[], n: number, only?: Uint8Array): { hash: Uint32Array; valid: Uint8Array } {
  const hash = new Uint32Array(n).fill(FNV_OFFSET)
  const valid = only === undefined ? new Uint8Array(n).fill(1) : only.slice(0, n)
  for (const v of vecs) {
    const mix = (i: number, x: number) => {
      hash[i] = Math.imul(hash[i] ^ x, FNV_PRIME)
    }
    if (v.t === 'id') {
      const { w, v: bytes } = v
      for (let i = 0; i < n; i++) {
        if (valid[i] !== 1) continue
        let h = hash[i]
        for (let j = i * w; j < i * w + w; j++) h = Math.imul(h ^ bytes[j], FNV_PRIME)
        hash[i] = h
      }
    } else if (v.t === 'str') {
      const table = Uint32Array.from(v.dict, hashString)
      for (let i = 0; i < n; i++) mix(i, table[v.codes[i]])
    } else if (v.t === 'num') {
      for (let i = 0; i < n; i++) {
        scratch[0] = v.v[i]
        mix(i, scratchWords[0] ^ scratchWords[1])
      }
    } else if (v.t === 'time') {
      const words = new Uint32Array(v.v.buffer, v.v.byteOffset, n * 2)
      for (let i = 0; i < n; i++) mix(i, words[2 * i] ^ words[2 * i + 1])
    } else {
      for (let i = 0; i < n; i++) if (valid[i] === 1) mix(i, hashString(keyText(cell(v, i))))
    }
    for (let i = 0; i < n; i++) if (valid[i] === 1 && !present(v, i)) valid[i] = 0
  }
  return { hash, valid }
}

function keyText(x: unknown): string {
  return typeof x === 'string' ? x : JSON.stringify(x, (_k, z) => (typeof z === 'bigint' ? z.toString() : z)) ?? ''
}

/** True when row i of `a` and row j of `b` hold equal keys. */
export function sameKeys(a: readonly Vec[], i: number, b: readonly Vec[], j: number): boolean {
  for (let k = 0; k < a.length; k++) {
    const x = a[k]
    const y = b[k]
    if (x.t === 'id' && y.t === 'id') {
      if (x.w !== y.w) return false
      for (let o = 0; o < x.w; o++) if (x.v[i * x.w + o] !== y.v[j * y.w + o]) return false
      continue
    }
    const cx = cell(x, i)
    const cy = cell(y, j)
    if (cx === cy) continue
    if (typeof cx === 'number' && typeof cy === 'number') return false
    if (keyText(cx) !== keyText(cy)) return false
  }
  return true
}

/**
 * A filter of id keys: a bitset over a mix of the first 8 bytes (4 for shorter ids) of every
 * id key of a row, so that probe rows whose ids are not those of any indexed row are dropped
 * without hashing all their keys. Ids are random, so a few bits per indexed row give few false
 * positives; keys that are not ids are left to the hash.
 */
interface IdFilter {
  /** The positions of the id keys and their widths. */
  keys: number[]
  widths: number[]
  shift: number
  bits: Uint8Array
}

/** The first words of the id at `at` (width >= 4), little-endian, mixed into `h`. */
function mixId(h: number, bytes: Uint8Array, at: number, width: number): number {
  const a = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)
  const b = width >= 8 ? bytes[at + 4] | (bytes[at + 5] << 8) | (bytes[at + 6] << 16) | (bytes[at + 7] << 24) : 0
  return Math.imul(Math.imul(h ^ a, 0x9e3779b1) ^ b, 0x85ebca6b)
}

/** The filter's bit of row i of `vecs` (the id keys, as the filter names them). */
function filterBit(vecs: readonly Extract<Vec, { t: 'id' }>[], i: number, shift: number): number {
  let h = 0x2545f491
  for (let k = 0; k < vecs.length; k++) h = mixId(h, vecs[k].v, i * vecs[k].w, vecs[k].w)
  return h >>> shift
}

function idFilter(keys: readonly Vec[], valid: Uint8Array, n: number): IdFilter | undefined {
  const positions = keys.flatMap((v, k) => (v.t === 'id' && v.w >= 4 ? [k] : []))
  if (positions.length === 0) return undefined
  const vecs = positions.map((k) => keys[k] as Extract<Vec, { t: 'id' }>)
  let log2 = 10
  while (log2 < ID_FILTER_MAX_LOG2 && 2 ** log2 < n * ID_FILTER_BITS_PER_ROW) log2++
  const shift = 32 - log2
  const bits = new Uint8Array(2 ** (log2 - 3))
  for (let i = 0; i < n; i++) {
    if (valid[i] !== 1) continue
    const bit = filterBit(vecs, i, shift)
    bits[bit >>> 3] |= 1 << (bit & 7)
  }
  return { keys: positions, widths: vecs.map((v) => v.w), shift, bits }
}

/** The rows of `keys` that may match the filter (a mask), or undefined to keep every row. */
function passFilter(filter: IdFilter | undefined, keys: readonly Vec[], n: number): Uint8Array | undefined {
  if (filter === undefined) return undefined
  const vecs: Extract<Vec, { t: 'id' }>[] = []
  for (let k = 0; k < filter.keys.length; k++) {
    const v = keys[filter.keys[k]]
    if (v === undefined || v.t !== 'id' || v.w !== filter.widths[k]) return undefined
    vecs.push(v)
  }
  const out = new Uint8Array(n)
  const { bits, shift } = filter
  if (vecs.length === 2) {
    // The common join on trace and span id, without the loop over keys.
    const [x, y] = vecs
    for (let i = 0; i < n; i++) {
      const h = mixId(mixId(0x2545f491, x.v, i * x.w, x.w), y.v, i * y.w, y.w)
      const bit = h >>> shift
      out[i] = (bits[bit >>> 3] >>> (bit & 7)) & 1
    }
    return out
  }
  for (let i = 0; i < n; i++) {
    const bit = filterBit(vecs, i, shift)
    out[i] = (bits[bit >>> 3] >>> (bit & 7)) & 1
  }
  return out
}

/**
 * One side's rows indexed by key hash, in typed arrays rather than a Map: `slots` is an
 * open-addressing table (linear probing, at most half full) of the first row of each hash,
 * `next` chains the other rows with that hash. When every key is an id, `ids` replaces them.
 */
export interface HashIndex {
  keys: Vec[]
  hash: Uint32Array
  slots: Int32Array
  next: Int32Array
  /** Over the id keys, when there are any. */
  filter?: IdFilter
  /** The index of rows keyed by ids only (trace, span): see IdIndex. */
  ids?: IdIndex
}

export function index(keys: Vec[], n: number): HashIndex {
  const words = idWords(keys)
  if (words !== undefined) return { keys, hash: new Uint32Array(0), slots: new Int32Array(0), next: new Int32Array(0), ids: indexIds(words, n) }
  const { hash, valid } = hashRows(keys, n)
  let size = 16
  while (size < n * 2) size *= 2
  const slots = new Int32Array(size).fill(-1)
  const next = new Int32Array(n).fill(-1)
  const mask = size - 1
  for (let i = n - 1; i >= 0; i--) {
    if (valid[i] !== 1) continue
    let s = hash[i] & mask
    while (slots[s] >= 0 && hash[slots[s]] !== hash[i]) s = (s + 1) & mask
    next[i] = slots[s]
    slots[s] = i
  }
  return { keys, hash, slots, next, filter: idFilter(keys, valid, n) }
}

/** Matching pairs of probe rows and indexed rows, as produced so far. */
export interface Pairs {
  probe: number[]
  indexed: number[]
}

/**
 * The pairs of probe rows and indexed rows with equal keys, in chunks of at most PACE_ROWS
 * pairs: one key shared by thousands of rows on both sides makes millions of pairs, which
 * must be produced a slice at a time, between checks of the clock and the memory budget.
 * A chunk also ends after PACE_ROWS steps along hash chains, so a run of colliding hashes
 * without matches cannot hold the loop either. `matched[i]` is set for probe rows that match.
 */
export function* probe(ix: HashIndex, keys: Vec[], n: number, matched?: Uint8Array): Generator<Pairs> {
  if (ix.ids !== undefined) {
    const words = idWords(keys)
    if (words !== undefined && words.per.every((w, k) => w === ix.ids!.words.per[k])) yield* probeIds(ix.ids, words, n, matched)
    return // ids of other widths never equal
  }
  const { hash, valid } = hashRows(keys, n, passFilter(ix.filter, keys, n))
  const mask = ix.slots.length - 1
  const chunk = new Chunk(matched)
  for (let i = 0; i < n; i++) {
    if (valid[i] !== 1) continue
    const h = hash[i]
    let s = h & mask
    while (ix.slots[s] >= 0 && ix.hash[ix.slots[s]] !== h) s = (s + 1) & mask
    for (let j = ix.slots[s]; j >= 0; j = ix.next[j]) if (chunk.step(i, j, sameKeys(keys, i, ix.keys, j))) yield chunk.take()
  }
  if (chunk.out.probe.length > 0) yield chunk.out
}

/** Pairs gathered a chunk at a time: at most PACE_ROWS steps along hash chains each. */
class Chunk {
  out: Pairs = { probe: [], indexed: [] }
  private steps = 0
  private readonly matched: Uint8Array | undefined

  constructor(matched: Uint8Array | undefined) {
    this.matched = matched
  }

  /** One step along a chain, from probe row i to indexed row j; true when the chunk is full. */
  step(i: number, j: number, same: boolean): boolean {
    if (same) {
      this.out.probe.push(i)
      this.out.indexed.push(j)
      if (this.matched !== undefined) this.matched[i] = 1
    }
    return ++this.steps >= PACE_ROWS
  }

  take(): Pairs {
    const full = this.out
    this.out = { probe: [], indexed: [] }
    this.steps = 0
    return full
  }
}

/**
 * Id keys read as 32-bit words: row i of key k is `words[k][i * per[k] ...]`, `per[k]` words
 * long; `present[k]` marks its rows with an id (an all-zero id is absent, vec.ts). The words
 * are a view of the ids' bytes (a copy when those are not 4-byte aligned), so neither side
 * is hashed byte by byte.
 */
interface IdWords {
  words: Int32Array[]
  per: number[]
  present: (Uint8Array | undefined)[]
}

/** The keys as IdWords, when every key is an id whose width is a multiple of 4 bytes. */
function idWords(keys: readonly Vec[]): IdWords | undefined {
  if (keys.length === 0 || !keys.every((v) => v.t === 'id' && v.w > 0 && v.w % 4 === 0)) return undefined
  const out: IdWords = { words: [], per: [], present: [] }
  for (const v of keys as readonly IdVec[]) {
    const bytes = v.v.byteOffset % 4 === 0 ? v.v : v.v.slice()
    out.words.push(new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2))
    out.per.push(v.w >>> 2)
    out.present.push(v.p)
  }
  return out
}

type IdVec = Extract<Vec, { t: 'id' }>

/**
 * Rows keyed by ids only (a join on trace and span id). Each indexed row with every id is an
 * entry of `entries`, RECORD words: its keys' words, its row and the next entry with an equal
 * hash (-1: none), so that a match reads one record (a cache line when keys are a trace and a
 * span id) rather than the rows' ids, their row number and a chain in three other arrays.
 * `slots` is an open-addressing table of the entries' key hashes (pairs of a hash and the
 * first entry with it, -1 empty, at most half full). A bitset (`bits`, ID_FILTER_BITS_PER_ROW
 * bits per row in 32-bit blocks, three bits of one block set per row) over the first word of
 * each id is what a probe row tests before anything else: ids are random, so most probe rows
 * that cannot match cost a few reads, about 1 % of them pass by chance.
 */
interface IdIndex {
  words: IdWords
  /** Int32s per entry: the key words, the row, the next entry. */
  record: number
  entries: Int32Array
  slots: Int32Array
  /** 32-bit blocks: a row sets three bits of one block (blockBits). */
  bits: Int32Array
  /** A row's block: its filter hash shifted right by this. */
  shift: number
}

/** The three bits of a block that a filter hash `f` sets (or tests). */
function blockBits(f: number): number {
  const g = Math.imul(f, 0x85ebca6b)
  return (1 << (g >>> 27)) | (1 << ((g >>> 22) & 31)) | (1 << ((g >>> 17) & 31))
}

/** The filter hash of row i: the first word of each key, mixed. */
function firstWords(ids: IdWords, i: number): number {
  let h = 0x2545f491
  for (let k = 0; k < ids.words.length; k++) h = Math.imul(h ^ ids.words[k][i * ids.per[k]], 0x9e3779b1)
  return h ^ (h >>> 15)
}

/** The hash of every word of row i's keys (murmur3's finaliser spreads the last mix). */
function idHash(ids: IdWords, i: number): number {
  let h = 0x811c9dc5
  for (let k = 0; k < ids.words.length; k++) {
    const w = ids.words[k]
    for (let j = i * ids.per[k], end = j + ids.per[k]; j < end; j++) h = Math.imul((h << 13) | (h >>> 19), 5) ^ Math.imul(w[j], 0xcc9e2d51)
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return h ^ (h >>> 16)
}

/** True when row i of `ids` holds the key words of `entries` from `at`. */
function sameIds(ids: IdWords, i: number, entries: Int32Array, at: number): boolean {
  for (let k = 0; k < ids.words.length; k++) {
    const w = ids.words[k]
    for (let j = i * ids.per[k], end = j + ids.per[k]; j < end; j++) if (w[j] !== entries[at++]) return false
  }
  return true
}

function hasIds(ids: IdWords, i: number): boolean {
  for (const p of ids.present) if (p !== undefined && p[i] !== 1) return false
  return true
}

/**
 * True when row i has every id, none all-zero (absent even where `present` does not say so).
 * Only indexed rows need the zero test: a probe row's zero id then equals no indexed id.
 */
function hasNonZeroIds(ids: IdWords, i: number): boolean {
  if (!hasIds(ids, i)) return false
  outer: for (let k = 0; k < ids.words.length; k++) {
    const w = ids.words[k]
    for (let j = i * ids.per[k], end = j + ids.per[k]; j < end; j++) if (w[j] !== 0) continue outer
    return false
  }
  return true
}

function indexIds(words: IdWords, n: number): IdIndex {
  const key = words.per.reduce((a, b) => a + b, 0)
  const record = key + 2
  const valid = new Uint8Array(n)
  let rows = 0
  for (let i = 0; i < n; i++) if (hasNonZeroIds(words, i)) (valid[i] = 1), rows++
  const entries = new Int32Array(rows * record)
  const hashes = new Int32Array(rows)
  let e = 0
  for (let i = 0; i < n; i++) {
    if (valid[i] !== 1) continue
    let at = e * record
    for (let k = 0; k < words.words.length; k++) for (let j = i * words.per[k], end = j + words.per[k]; j < end; j++) entries[at++] = words.words[k][j]
    entries[at] = i
    hashes[e++] = idHash(words, i)
  }
  let size = 16
  while (size < rows * 2) size *= 2
  let log2 = 10
  while (log2 < ID_FILTER_MAX_LOG2 && 2 ** log2 < rows * ID_FILTER_BITS_PER_ROW) log2++
  const ix: IdIndex = { words, record, entries, slots: new Int32Array(2 * size).fill(-1), bits: new Int32Array(2 ** (log2 - 5)), shift: 37 - log2 }
  const { slots, bits } = ix
  const mask = size - 1
  // From the last entry down, so that each chain lists its rows in order.
  for (e = rows - 1; e >= 0; e--) {
    const f = firstWords(words, entries[e * record + key])
    bits[f >>> ix.shift] |= blockBits(f)
    const h = hashes[e]
    let s = h & mask
    while (slots[2 * s + 1] >= 0 && slots[2 * s] !== h) s = (s + 1) & mask
    slots[2 * s] = h
    entries[e * record + key + 1] = slots[2 * s + 1]
    slots[2 * s + 1] = e
  }
  return ix
}

/** Scratch of candidates(), grown as needed; sliced before it is returned. */
let scratchRows = new Int32Array(0)

/**
 * The probe rows whose ids pass the index's filter and are all present. A plain loop over
 * every probe row, the first two keys held in locals (not inside the generator below).
 */
function candidates(ix: IdIndex, keys: IdWords, n: number): Int32Array {
  if (scratchRows.length < n) scratchRows = new Int32Array(n)
  const out = scratchRows
  const { bits, shift } = ix
  const w0 = keys.words[0]
  const per0 = keys.per[0]
  const w1 = keys.words.length > 1 ? keys.words[1] : w0
  const per1 = keys.words.length > 1 ? keys.per[1] : 0
  let count = 0
  if (keys.words.length <= 2) {
    for (let i = 0; i < n; i++) {
      let f = Math.imul(0x2545f491 ^ w0[i * per0], 0x9e3779b1)
      if (per1 > 0) f = Math.imul(f ^ w1[i * per1], 0x9e3779b1)
      f ^= f >>> 15
      const want = blockBits(f)
      if ((bits[f >>> shift] & want) === want) out[count++] = i
    }
  } else {
    for (let i = 0; i < n; i++) {
      const f = firstWords(keys, i)
      const want = blockBits(f)
      if ((bits[f >>> shift] & want) === want) out[count++] = i
    }
  }
  let kept = 0
  for (let k = 0; k < count; k++) if (hasIds(keys, out[k])) out[kept++] = out[k]
  return out.slice(0, kept)
}

/** Scratch of probeIds(): the first entry of each candidate's hash. */
let scratchFirst = new Int32Array(0)

/**
 * probe() over an IdIndex: the filter's candidates looked up, nothing allocated per row.
 * Two passes: each candidate's slot first, then the entries of the slots that hold one. The
 * lookups of the first pass do not depend on one another, so their cache misses (a table
 * larger than the caches, random by hash) overlap instead of following one another.
 */
function* probeIds(ix: IdIndex, keys: IdWords, n: number, matched?: Uint8Array): Generator<Pairs> {
  const { slots, entries, record } = ix
  const mask = (slots.length >>> 1) - 1
  const rows = candidates(ix, keys, n)
  if (scratchFirst.length < rows.length) scratchFirst = new Int32Array(rows.length)
  const first = scratchFirst
  for (let k = 0; k < rows.length; k++) {
    const h = idHash(keys, rows[k])
    let s = h & mask
    while (slots[2 * s + 1] >= 0 && slots[2 * s] !== h) s = (s + 1) & mask
    first[k] = slots[2 * s + 1]
  }
  const row = record - 2
  const chunk = new Chunk(matched)
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]
    for (let e = first[k]; e >= 0; e = entries[e * record + row + 1]) {
      const at = e * record
      if (chunk.step(i, entries[at + row], sameIds(keys, i, entries, at))) yield chunk.take()
    }
  }
  if (chunk.out.probe.length > 0) yield chunk.out
}
