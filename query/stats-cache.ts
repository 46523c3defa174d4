/**
 * @module query/stats-cache
 * Per-block partial aggregates for `where ... | stats ...` (query/README.md "Cached partial
 * aggregates"). A dashboard refreshes the same panels over a moving window: of the blocks it
 * reads, all but the newest and the two the range cuts were read by the refresh before, and
 * part files never change. For a query that starts with `where` stages and a `stats` whose
 * aggregates merge exactly (counts: count, countif, rate() of rows), each part block wholly
 * inside the range is reduced once to its groups and counts, kept by (tenant, text of the
 * prefix, part file id, block), and later scans skip it (ScanRequest.reuse) and merge what was
 * kept. Head rows and cut blocks are aggregated as they come. Groups are merged in the order
 * the scan meets them, so the answer, its row order included, is the one the scan would give.
 */
import type { Batch, ScanBlock, Signal } from '../storage/index.ts'
import type { CallNode, QueryNode, StatsNode } from './ast.ts'
import type { AggContext } from './agg.ts'
import type { Budget } from './budget.ts'
import { keepValues, keyOf } from './group-keys.ts'
import { BYTES_PER_GROUP } from './limits.ts'
import { statsContext, statsOutput, StatsRows } from './op-stats.ts'
import { printQuery } from './printer.ts'
import type { QueryPlan } from './query-plan.ts'
import type { Scalar } from './vec.ts'

/** One block's (or one run of uncached batches') groups, in first-seen order, and each aggregate's count per group. */
interface Partial {
  readonly values: readonly Scalar[][]
  readonly counts: readonly Float64Array[]
  /** Whether any row reached `stats` (the result's signal is that of the rows seen). */
  readonly rows: boolean
  readonly bytes: number
}

/**
 * Partial aggregates of part blocks, least recently used dropped first past `budgetBytes`.
 * Entries of a part that compaction or retention removed are never asked for again and age out.
 */
export class PartialCache {
  private readonly entries = new Map<string, Partial>()
  private held = 0
  private budget: number
  /** Blocks answered from the cache, and blocks aggregated and kept, since the start. */
  hits = 0
  misses = 0

  constructor(budgetBytes: number) {
    this.budget = budgetBytes
  }

  get bytes(): number {
    return this.held
  }

  get size(): number {
    return this.entries.size
  }

  /** Sets the budget, dropping the least recently used entries past it. */
  resize(budgetBytes: number): void {
    this.budget = budgetBytes
    this.evict()
  }

  get(key: string): Partial | undefined {
    const p = this.entries.get(key)
    if (p === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, p)
    return p
  }

  set(key: string, p: Partial): void {
    if (p.bytes > this.budget / 4) return
    const old = this.entries.get(key)
    if (old !== undefined) this.held -= old.bytes
    this.entries.delete(key)
    this.entries.set(key, p)
    this.held += p.bytes
    this.evict()
  }

  private evict(): void {
    for (const [key, p] of this.entries) {
      if (this.held <= this.budget) return
      this.entries.delete(key)
      this.held -= p.bytes
    }
  }
}

/** Aggregates whose per-block state merges exactly: counts of rows (`rate()` is rows per second). */
function mergeable(call: CallNode): boolean {
  return (call.name === 'count' || call.name === 'rate') ? call.args.length === 0 : call.name === 'countif' && call.args.length === 1
}

/** True when `node` (an expression tree) calls now(): its answer depends on the moment, not on the rows alone. */
function callsNow(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false
  if (Array.isArray(node)) return node.some(callsNow)
  const n = node as { kind?: unknown; name?: unknown }
  if (n.kind === 'Call' && n.name === 'now') return true
  return Object.values(node).some(callsNow)
}

/** The index of the `stats` a cached prefix ends with, and the prefix's text, or undefined when the plan has none. */
function cachedPrefix(plan: QueryPlan): { at: number; text: string; node: StatsNode } | undefined {
  if (plan.traceId !== undefined || plan.seriesColumns !== undefined) return undefined
  const at = plan.stages.findIndex((s) => s.node.kind !== 'Where')
  const node = plan.stages[at]?.node
  if (node?.kind !== 'Stats' || !node.aggregates.every((a) => a.expr.kind === 'Call' && mergeable(a.expr))) return undefined
  const prefix = plan.stages.slice(0, at + 1).map((s) => s.node)
  if (callsNow(prefix)) return undefined
  const query: QueryNode = { kind: 'Query', source: { kind: 'SignalSource', signal: plan.signal, at: 0 }, stages: prefix, at: 0 }
  return { at, text: printQuery(query), node }
}

/** What the executor wires in for a plan with a cached prefix: the scan's reuse hook, a tap on the scanned batches, and the `stats` stage to run instead. */
export interface CachedStats {
  /** Index of the `stats` stage this replaces. */
  readonly at: number
  readonly reuse: (block: ScanBlock) => boolean
  /** Called with each scanned batch as the source yields it: whether it is the block reuse last declined. */
  seen(block: boolean): void
  run(input: AsyncIterable<Batch>, ctx: AggContext, budget: Budget): AsyncGenerator<Batch>
}

/**
 * The cached `stats` of `plan`, or undefined when its prefix is not one whose blocks can be
 * kept. Build a fresh one per run of the plan.
 */
export function cachedStats(plan: QueryPlan, tenant: string, cache: PartialCache): CachedStats | undefined {
  const prefix = cachedPrefix(plan)
  if (prefix === undefined) return undefined
  const { node } = prefix
  // rate() is counted per block, and divided once merged.
  const counting: StatsNode = { ...node, aggregates: node.aggregates.map((a) => (a.expr.kind === 'Call' && a.expr.name === 'rate' ? { ...a, expr: { ...a.expr, name: 'count' } } : a)) }
  const space = `${tenant}\u0000${prefix.text}\u0000`
  let aggCtx: AggContext | undefined
  let merged: Merged | undefined
  // The segment being aggregated: one block (its key) or consecutive batches of no block (null).
  let current: { key: string | null; rows: StatsRows; seen: boolean } | undefined
  let declined: string | null = null
  let origin: string | null = null
  const close = (): void => {
    if (current === undefined || merged === undefined) return
    const { rows, key } = current
    const values = rows.keys.values
    const counts = rows.aggregators.map((a) => Float64Array.from(values, (_v, g) => a.value(g) as number))
    const p: Partial = { values, counts, rows: current.seen, bytes: values.length * (BYTES_PER_GROUP + 8 * counts.length) }
    if (key !== null) {
      cache.set(space + key, p)
      cache.misses++
    }
    merged.add(p)
    current = undefined
  }
  const open = (key: string | null): void => {
    close()
    if (aggCtx !== undefined) current = { key, rows: new StatsRows(counting, aggCtx), seen: false }
  }
  return {
    at: prefix.at,
    reuse(block) {
      declined = null
      if (merged === undefined) return false
      const hit = cache.get(space + block.key)
      if (hit !== undefined) {
        close()
        merged.add(hit)
        cache.hits++
        return true
      }
      declined = block.key
      open(block.key)
      return false
    },
    seen(block) {
      origin = block ? declined : null
    },
    async *run(input, ctx, budget) {
      aggCtx = statsContext(node, ctx)
      // The aggregators the plain stage would make: their checks (a rate() with no bucket nor
      // bounded range) fail here as they would there.
      void new StatsRows(node, aggCtx)
      merged = new Merged(node, plan.signal)
      const owner = {}
      for await (const batch of input) {
        if (current === undefined || current.key !== origin) open(origin)
        const c = current as NonNullable<typeof current>
        c.seen = true
        budget.set(owner, merged.bytes + (await c.rows.add(batch, budget)), 'stats')
      }
      close()
      const m = merged
      const seconds = aggCtx.binWidthNs ?? (aggCtx.rangeStart !== undefined && aggCtx.rangeEnd !== undefined ? Number(aggCtx.rangeEnd - aggCtx.rangeStart) : NaN)
      const rate = node.aggregates.map((a) => (a.expr as CallNode).name === 'rate')
      const value = (k: number, g: number): Scalar => (rate[k] ? m.counts[k][g] / (seconds / 1e9) : m.counts[k][g])
      const out = await statsOutput(node, aggCtx, m, value, m.signal, budget)
      budget.set(owner, 0, 'stats')
      if (out !== undefined) yield out
    },
  }
}

/** Partials merged in scan order: a group is numbered where the scan would first meet it. */
class Merged {
  readonly values: Scalar[][] = []
  counts: Float64Array[]
  signal: Signal = 'spans'
  private readonly ids = new Map<string, number>()
  private readonly planned: Signal

  constructor(node: StatsNode, signal: Signal) {
    this.planned = signal
    this.counts = node.aggregates.map(() => new Float64Array(16))
    // Without keys there is one group, rows or none (as GroupKeys(0) has).
    if (node.by.length === 0) {
      this.values.push([])
      this.ids.set('', 0)
    }
  }

  get count(): number {
    return this.values.length
  }

  get bytes(): number {
    return this.values.length * (BYTES_PER_GROUP + 8 * this.counts.length)
  }

  add(p: Partial): void {
    if (p.rows) this.signal = this.planned
    for (let g = 0; g < p.values.length; g++) {
      const row = p.values[g]
      const key = groupKey(row)
      let m = this.ids.get(key)
      if (m === undefined) {
        m = this.values.length
        keepValues(this.values, m, row)
        this.ids.set(key, m)
        if (m >= this.counts[0]?.length) this.counts = this.counts.map((c) => grow(c))
      }
      for (let k = 0; k < this.counts.length; k++) this.counts[k][m] += p.counts[k][g]
    }
  }
}

function grow(a: Float64Array): Float64Array {
  const next = new Float64Array(a.length * 2)
  next.set(a)
  return next
}

/** One string per combination of key values, equal where GroupKeys makes one group. */
function groupKey(row: readonly Scalar[]): string {
  let out = ''
  for (const v of row) {
    const k = keyOf(v)
    const s = typeof k === 'string' ? k : String(k)
    out += `${typeof k}${s.length}:${s}`
  }
  return out
}
