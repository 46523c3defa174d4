/**
 * @module query/op-join
 * `join [left] (<query>) as <alias> on <key> = <alias>.<key>, ...` (LANGUAGE.md "join"):
 * a hash join that indexes the smaller side. The left rows are gathered first (usually few:
 * they were filtered); the right side is then read until it outgrows them. If it ends first
 * it is indexed and the left rows probe it, else the left rows are indexed and the rest of
 * the right side streams through. Either way within the memory budget. Right columns are
 * renamed `alias.<column>`. Inner: one row per match; left: unmatched left rows too, with the
 * joined columns absent. Rows with an absent key never match. Output order is not defined.
 * Keys shared by many rows on both sides multiply: pairs are produced PACE_ROWS at a time,
 * each chunk accounted in the memory budget while it is held, the clock checked between them.
 */
import { concatBatches, takeColumn, takeRows, type Batch, type Column } from '../storage/index.ts'
import type { JoinNode } from './ast.ts'
import type { Budget } from './budget.ts'
import { evalExpr, type EvalContext } from './eval-expr.ts'
import { hashRows, sameKeys } from './join-hash.ts'
import { BYTES_PER_CELL, BYTES_PER_JOIN_KEY, PACE_ROWS } from './limits.ts'
import type { Vec } from './vec.ts'

/**
 * One side's rows indexed by key hash, in typed arrays rather than a Map: `slots` is an
 * open-addressing table (linear probing, at most half full) of the first row of each hash,
 * `next` chains the other rows with that hash.
 */
interface HashIndex {
  keys: Vec[]
  hash: Uint32Array
  slots: Int32Array
  next: Int32Array
}

function index(keys: Vec[], n: number): HashIndex {
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
  return { keys, hash, slots, next }
}

/** Matching pairs of probe rows and indexed rows, as produced so far. */
interface Pairs {
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
function* probe(ix: HashIndex, keys: Vec[], n: number, matched?: Uint8Array): Generator<Pairs> {
  const { hash, valid } = hashRows(keys, n)
  const mask = ix.slots.length - 1
  let out: Pairs = { probe: [], indexed: [] }
  let steps = 0
  for (let i = 0; i < n; i++) {
    if (valid[i] !== 1) continue
    const h = hash[i]
    let s = h & mask
    while (ix.slots[s] >= 0 && ix.hash[ix.slots[s]] !== h) s = (s + 1) & mask
    for (let j = ix.slots[s]; j >= 0; j = ix.next[j]) {
      if (sameKeys(keys, i, ix.keys, j)) {
        out.probe.push(i)
        out.indexed.push(j)
        if (matched !== undefined) matched[i] = 1
      }
      if (++steps >= PACE_ROWS) {
        yield out
        out = { probe: [], indexed: [] }
        steps = 0
      }
    }
  }
  if (out.probe.length > 0) yield out
}

function renamed(batch: Batch, alias: string): Batch {
  const columns: Record<string, Column> = {}
  for (const [name, c] of Object.entries(batch.columns)) columns[`${alias}.${name}`] = c
  return { signal: batch.signal, length: batch.length, columns }
}

/** Left rows `l` beside right rows `r` (-1: none, the right columns absent there). */
function pairs(left: Batch, l: number[], right: Batch | undefined, r: number[]): Batch {
  const out = takeRows(left, l)
  const columns: Record<string, Column> = { ...out.columns }
  if (right !== undefined && right.length > 0) {
    const hit = Uint8Array.from(r, (x) => (x >= 0 ? 1 : 0))
    const rows = r.map((x) => Math.max(x, 0))
    for (const [name, c] of Object.entries(right.columns)) columns[name] = withPresent(takeColumn(c, rows), hit)
  }
  return { signal: left.signal, length: l.length, columns }
}

/** `column` with rows marked absent where `hit` is 0. */
function withPresent(column: Column, hit: Uint8Array): Column {
  if (hit.every((x) => x === 1)) return column
  const present = column.present === undefined ? Uint8Array.from(hit) : column.present.map((x, i) => x & hit[i])
  return { ...column, present } as Column
}

async function gather(input: AsyncIterable<Batch>, budget: Budget, owner: object): Promise<Batch | undefined> {
  const parts: Batch[] = []
  let rows = 0
  for await (const b of input) {
    parts.push(b)
    rows += b.length
    budget.set(owner, rows * (Object.keys(b.columns).length * BYTES_PER_CELL + BYTES_PER_JOIN_KEY), 'join')
  }
  return parts.length === 0 ? undefined : concatBatches(parts[0].signal, parts)
}

/**
 * Streams the join of `input` with the rows of `right`. `ctx.scope` is the join's output
 * scope, in which both the left keys and the `alias.` keys resolve.
 */
export async function* joinOp(input: AsyncIterable<Batch>, right: AsyncIterable<Batch>, node: JoinNode, ctx: EvalContext, budget: Budget): AsyncGenerator<Batch> {
  const owner = {}
  const left = await gather(input, budget, owner)
  if (left === undefined) return
  const leftKeys = node.on.map((k) => evalExpr(k.left, left, ctx))
  const rightKeys = (b: Batch) => node.on.map((k) => evalExpr(k.right, b, ctx))
  const rest = right[Symbol.asyncIterator]()
  const early: Batch[] = []
  let earlyRows = 0
  let ended = false
  while (earlyRows <= left.length) {
    const next = await rest.next()
    if (next.done === true) {
      ended = true
      break
    }
    early.push(renamed(next.value, node.alias))
    earlyRows += next.value.length
    budget.set(early, earlyRows * Object.keys(next.value.columns).length * BYTES_PER_CELL, 'join')
  }

  // Output rows are accounted while a chunk is held; the clock is checked between chunks.
  const output = {}
  const outCells = (r: Batch | undefined) => Object.keys(left.columns).length + (r === undefined ? 0 : Object.keys(r.columns).length)
  if (ended) {
    // The right side is the smaller one: index it, probe with the left rows.
    const r = early.length === 0 ? undefined : concatBatches(early[0].signal, early)
    const ix = r === undefined ? undefined : index(rightKeys(r), r.length)
    const matched = new Uint8Array(left.length)
    if (ix !== undefined) {
      for (const chunk of probe(ix, leftKeys, left.length, matched)) {
        if (chunk.probe.length > 0) {
          budget.set(output, chunk.probe.length * outCells(r) * BYTES_PER_CELL, 'join')
          yield pairs(left, chunk.probe, r, chunk.indexed)
        }
        await budget.pace()
      }
    }
    if (node.type === 'left') {
      const l: number[] = []
      matched.forEach((m, i) => m === 0 && l.push(i))
      for (let k = 0; k < l.length; k += PACE_ROWS) {
        const part = l.slice(k, k + PACE_ROWS)
        yield pairs(left, part, r, part.map(() => -1))
        await budget.pace()
      }
    }
  } else {
    // The left side is the smaller one: index it and stream the right side through.
    const ix = index(leftKeys, left.length)
    const matched = new Uint8Array(left.length)
    const streamed = async function* () {
      yield* early
      for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield renamed(next.value, node.alias)
    }
    for await (const r of streamed()) {
      for (const chunk of probe(ix, rightKeys(r), r.length)) {
        if (chunk.probe.length > 0) {
          for (const i of chunk.indexed) matched[i] = 1
          budget.set(output, chunk.probe.length * outCells(r) * BYTES_PER_CELL, 'join')
          yield pairs(left, chunk.indexed, r, chunk.probe)
        }
        await budget.pace()
      }
    }
    const unmatched: number[] = []
    if (node.type === 'left') matched.forEach((m, i) => m === 0 && unmatched.push(i))
    for (let k = 0; k < unmatched.length; k += PACE_ROWS) {
      yield pairs(left, unmatched.slice(k, k + PACE_ROWS), undefined, [])
      await budget.pace()
    }
  }
  budget.set(output, 0, 'join')
  budget.set(early, 0, 'join')
  budget.set(owner, 0, 'join')
}
