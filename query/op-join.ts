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
 * The right side's scan starts only once the left rows are gathered: a few distinct left ids
 * of a key go to it as a condition, so that blocks without any of them are skipped.
 */
import { bytesToHex, concatBatches, takeColumn, type Batch, type Column, type ScanCondition } from '../storage/index.ts'
import type { Expr, JoinKey, JoinNode, StageNode } from './ast.ts'
import type { Budget } from './budget.ts'
import { evalExpr, type EvalContext } from './eval-expr.ts'
import { resolveField } from './fields.ts'
import { index, probe } from './join-hash.ts'
import { BYTES_PER_CELL, BYTES_PER_JOIN_KEY, JOIN_PUSH_MAX_IDS, PACE_ROWS } from './limits.ts'
import { printExpr } from './print-expr.ts'
import { lazyColumns } from './row-select.ts'
import type { QueryPlan } from './query-plan.ts'
import type { Scope } from './fields.ts'
import type { StageDef, StageParser } from './stage-def.ts'
import { columnVec, type ValueType, type Vec } from './vec.ts'

export const joinStage: StageDef<JoinNode> = {
  words: ['join'],
  parse(p, _word, at) {
    const type = p.acceptWord('left') ? 'left' : (p.acceptWord('inner'), 'inner')
    const right = p.subquery(at)
    p.expectWord('as')
    const alias = p.name('a name for the joined rows after "as"')
    p.expectWord('on')
    const on: JoinKey[] = []
    for (const e of p.list(() => p.expr())) on.push(...joinKeys(e, alias, p))
    return { kind: 'Join', type, right, alias, on, at }
  },
  print(s, p) {
    const right = s.right.stages.length === 0 ? p.source(s.right.source) : `(${p.query(s.right)})`
    const on = s.on.map((k) => `${printExpr(k.left)} = ${printExpr(k.right)}`).join(', ')
    return `join ${s.type === 'left' ? 'left ' : ''}${right} as ${s.alias} on ${on}`
  },
  pushdown: () => false,
  plan(node, scope, planner) {
    for (const k of node.on) planner.expr(k.left, scope)
    const r = planner.subquery(node.right, node.alias)
    for (const k of node.on) planner.joinedKey(k.right, scope, node.alias)
    const columns: Record<string, ValueType> = { ...scope.columns }
    for (const [name, type] of Object.entries(r.columns ?? {})) columns[`${node.alias}.${name}`] = type
    const aliases = r.signal !== undefined ? { ...scope.aliases, [node.alias]: r.signal } : scope.aliases
    return { ...scope, aliases, columns }
  },
  // Keys resolve in the join's output scope: the left ones and the `alias.` ones alike.
  run: (input, stage, run) => {
    const right = stage.right!
    const scan = (where: readonly ScanCondition[]) => run.subquery(where.length === 0 ? right : { ...right, where: [...right.where, ...where] })
    // stats reads the columns it needs of each batch at once and keeps none: the joined columns
    // may be taken lazily. Other stages may hold batches (sort), which would then hold the
    // blocks they come from.
    const lazy = run.next?.kind === 'Stats'
    return joinOp(input, scan, stage.node, { ...run.ctx, scope: stage.out }, run.budget, scannedKeys(stage.node, right), lazy)
  },
}

/**
 * The storage column each right key is, where the right side's rows are scanned rows (only
 * `where` stages between the scan and the join): the left rows' ids then narrow that scan.
 * Undefined for keys that are computed or not ids.
 */
function scannedKeys(node: JoinNode, right: QueryPlan): (string | undefined)[] {
  if (right.traceId !== undefined || !right.stages.every((s) => s.node.kind === 'Where')) return node.on.map(() => undefined)
  return node.on.map((k) => {
    if (k.right.kind !== 'Field' || k.right.path[0] !== node.alias || k.right.path.length < 2) return undefined
    const ref = resolveField(k.right.path.slice(1), { signal: right.signal, aliases: {} })
    return ref.kind === 'column' && ref.type === 'id' ? ref.column : undefined
  })
}

/**
 * The id columns whose every row the stage before an inner join `next` may drop when it lacks
 * one (an all-zero id included): such a row never matches, so the join has nothing to do with
 * it. A `where` that copies the rows it keeps then copies only those with ids (error logs
 * joined to spans: the ones with trace context). Undefined when `next` is no inner join on ids.
 */
export function joinedIds(next: StageNode | undefined, scope: Scope): string[] | undefined {
  if (next?.kind !== 'Join' || next.type !== 'inner') return undefined
  const columns: string[] = []
  for (const k of next.on) {
    if (k.left.kind !== 'Field') continue
    const ref = resolveField(k.left.path, scope)
    if (ref.kind === 'column' && ref.type === 'id') columns.push(ref.column)
  }
  return columns.length === 0 ? undefined : columns
}

/**
 * The rows of `batch` with an id in each of `columns` (joinedIds): a mask (to read, not to
 * change: it may be a column's own), undefined when every row has them, null when none does (a
 * column the batch lacks).
 */
export function rowsWithIds(batch: Batch, columns: readonly string[]): Uint8Array | undefined | null {
  let mask: Uint8Array | undefined
  let own = false
  for (const name of columns) {
    const column = batch.columns[name]
    if (column === undefined) return null
    const v = columnVec(column, false)
    if (v.t !== 'id' || v.p === undefined) continue
    if (mask === undefined) mask = v.p
    else {
      if (!own) (mask = mask.slice()), (own = true)
      for (let i = 0; i < batch.length; i++) mask[i] &= v.p[i]
    }
  }
  return mask
}

/** The distinct ids of `v`'s present rows, or undefined when there are more than `max`. */
function distinctIds(v: Vec, n: number, max: number): Uint8Array[] | undefined {
  if (v.t !== 'id') return undefined
  const seen = new Map<string, Uint8Array>()
  for (let i = 0; i < n; i++) {
    if (v.p !== undefined && v.p[i] !== 1) continue
    const id = v.v.subarray(i * v.w, i * v.w + v.w)
    const key = bytesToHex(id)
    if (seen.has(key)) continue
    if (seen.size === max) return undefined
    seen.set(key, id.slice())
  }
  return [...seen.values()]
}

/** Join keys of one `on` item: `a = alias.b`, a conjunction of those, or a bare field (same on both sides). */
function joinKeys(e: Expr, alias: string, p: StageParser): JoinKey[] {
  if (e.kind === 'Binary' && e.op === 'and') return [...joinKeys(e.left, alias, p), ...joinKeys(e.right, alias, p)]
  if (e.kind === 'Binary' && e.op === '=') return [{ left: e.left, right: e.right }]
  if (e.kind === 'Field') return [{ left: e, right: { kind: 'Field', path: [alias, ...e.path], at: e.at } }]
  return p.failAt(e.at, `cannot parse query: expected a join key (a field, or field = ${alias}.field)`)
}

function renamed(batch: Batch, alias: string): Batch {
  const columns: Record<string, Column> = {}
  for (const [name, c] of Object.entries(batch.columns)) columns[`${alias}.${name}`] = c
  return { signal: batch.signal, length: batch.length, columns }
}

/**
 * Left rows `l` beside right rows `r` (-1: none, the right columns absent there). With `lazy`,
 * each column is taken from its side when first read, then kept (row-select.ts lazyColumns).
 */
function pairs(left: Batch, l: readonly number[], right: Batch | undefined, r: readonly number[], lazy: boolean): Batch {
  const taken: Record<string, () => Column> = {}
  for (const name in left.columns) taken[name] = () => takeColumn(left.columns[name], l)
  if (right !== undefined && right.length > 0) {
    let picked: { rows: readonly number[]; hit?: Uint8Array } | undefined
    const pick = () => (picked ??= rightRows(r))
    for (const name in right.columns) {
      taken[name] = () => {
        const { rows, hit } = pick()
        const column = takeColumn(right.columns[name], rows)
        return hit === undefined ? column : withPresent(column, hit)
      }
    }
  }
  if (lazy) return { signal: left.signal, length: l.length, columns: lazyColumns(taken) }
  const columns: Record<string, Column> = {}
  for (const name in taken) columns[name] = taken[name]()
  return { signal: left.signal, length: l.length, columns }
}

/** The right rows to take for `r` (-1 as row 0), and which of them are real (undefined: all). */
function rightRows(r: readonly number[]): { rows: readonly number[]; hit?: Uint8Array } {
  let missing = 0
  for (let k = 0; k < r.length; k++) if (r[k] < 0) missing++
  if (missing === 0) return { rows: r }
  const rows = new Array<number>(r.length)
  const hit = new Uint8Array(r.length)
  for (let k = 0; k < r.length; k++) {
    rows[k] = r[k] < 0 ? 0 : r[k]
    hit[k] = r[k] < 0 ? 0 : 1
  }
  return { rows, hit }
}

/** `column` with rows marked absent where `hit` is 0. */
function withPresent(column: Column, hit: Uint8Array): Column {
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
export async function* joinOp(
  input: AsyncIterable<Batch>,
  right: (where: readonly ScanCondition[]) => AsyncIterable<Batch>,
  node: JoinNode,
  ctx: EvalContext,
  budget: Budget,
  scanned: readonly (string | undefined)[] = [],
  lazy = false,
): AsyncGenerator<Batch> {
  const owner = {}
  const left = await gather(input, budget, owner)
  if (left === undefined) return
  const leftKeys = node.on.map((k) => evalExpr(k.left, left, ctx))
  const rightKeys = (b: Batch) => node.on.map((k) => evalExpr(k.right, b, ctx))
  // Right rows can match only the left rows' ids: a few of them let the scan skip blocks
  // (the trace id's bloom filter) that hold none.
  const where: ScanCondition[] = []
  scanned.forEach((column, k) => {
    const ids = column === undefined ? undefined : distinctIds(leftKeys[k], left.length, JOIN_PUSH_MAX_IDS)
    if (ids !== undefined) where.push({ op: 'in', column: column!, values: ids })
  })
  const rest = right(where)[Symbol.asyncIterator]()
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
          yield pairs(left, chunk.probe, r, chunk.indexed, lazy)
        }
        await budget.pace()
      }
    }
    if (node.type === 'left') {
      const l: number[] = []
      matched.forEach((m, i) => m === 0 && l.push(i))
      for (let k = 0; k < l.length; k += PACE_ROWS) {
        const part = l.slice(k, k + PACE_ROWS)
        yield pairs(left, part, r, part.map(() => -1), lazy)
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
          if (node.type === 'left') for (const i of chunk.indexed) matched[i] = 1
          budget.set(output, chunk.probe.length * outCells(r) * BYTES_PER_CELL, 'join')
          yield pairs(left, chunk.indexed, r, chunk.probe, lazy)
        }
        await budget.pace()
      }
    }
    const unmatched: number[] = []
    if (node.type === 'left') matched.forEach((m, i) => m === 0 && unmatched.push(i))
    for (let k = 0; k < unmatched.length; k += PACE_ROWS) {
      yield pairs(left, unmatched.slice(k, k + PACE_ROWS), undefined, [], lazy)
      await budget.pace()
    }
  }
  budget.set(output, 0, 'join')
  budget.set(early, 0, 'join')
  budget.set(owner, 0, 'join')
}
