/**
 * @module query/stats-cache
 * Per-block partials for `where ... | stats ...` and `where ... | sort ... | limit k` (query/README.md,
 * "Cached partial aggregates"). A dashboard refreshes the same panels over a moving window: of
 * the blocks it reads, all but the newest and those the range cuts were read by the refresh
 * before, and part files never change. Each part block wholly inside the range is run through
 * those stages once, and what comes out (groups and counts, a counter panel's series walk, or the block's best k rows) is
 * kept by (tenant, text of the prefix, part file id, block); later scans skip the block
 * (ScanRequest.reuse) and merge what was kept. Head rows and cut blocks go through the same
 * stages as they come. Partials are merged in the order the scan meets them, so the answer, its
 * row order included, is the one the plain run gives.
 */
import { columnBytes, concatBatches, takeRows, type Batch, type ScanBlock, type Signal } from '../storage/index.ts'
import type { CallNode, QueryNode, StatsNode } from './ast.ts'
import type { AggContext } from './agg.ts'
import type { Budget } from './budget.ts'
import { keepValues, keyOf } from './group-keys.ts'
import { BYTES_PER_GROUP } from './limits.ts'
import { statsContext, statsOutput, StatsRows } from './op-stats.ts'
import { printQuery } from './printer.ts'
import type { QueryPlan } from './query-plan.ts'
import { seriesStats, type SeriesPartial } from './series-stats.ts'
import type { Scalar } from './vec.ts'

/**
 * One block's (or one run of uncached batches') partial: for `stats`, its groups in first-seen
 * order and each aggregate's count per group; for `sort | limit`, its best rows.
 */
interface Partial {
  readonly values: readonly Scalar[][]
  readonly counts: readonly Float64Array[]
  readonly batch?: Batch
  /** For counter panels, what its series walk left (undefined: it gave up, and nothing is kept). */
  readonly series?: SeriesPartial
  /** Whether any row reached `stats` (the result's signal is that of the rows seen). */
  readonly rows: boolean
  readonly bytes: number
  /** Not to be kept: a counter walk that gave up. */
  readonly failed?: boolean
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

  get budgetBytes(): number {
    return this.budget
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
  return call.name === 'count' || call.name === 'rate' ? call.args.length === 0 : call.name === 'countif' && call.args.length === 1
}

/** True when `node` (an expression tree) calls now(): its answer depends on the moment, not on the rows alone. */
function callsNow(node: unknown): boolean {
  if (typeof node !== 'object' || node === null) return false
  if (Array.isArray(node)) return node.some(callsNow)
  const n = node as { kind?: unknown; name?: unknown }
  if (n.kind === 'Call' && n.name === 'now') return true
  return Object.values(node).some(callsNow)
}

/**
 * The stages a cache can stand in for, `from` to `to`, after leading `where` stages: a `stats`
 * of mergeable aggregates, or `sort ... | limit k` (the best k of the best k of each block are
 * the best k of all). `text` names the prefix, with the columns its rows carry on.
 */
function cachedPrefix(plan: QueryPlan): Prefix | undefined {
  // A query thread keeps recent plans (planMemo): their prefixes are worked out once.
  if (prefixes.has(plan)) return prefixes.get(plan)
  const prefix = findPrefix(plan)
  prefixes.set(plan, prefix)
  return prefix
}

interface Prefix {
  readonly from: number
  readonly to: number
  readonly text: string
  readonly stats?: StatsNode
  /** The stats is a counter panel whose blocks keep series walks (series-stats.ts SeriesPartial). */
  readonly series?: boolean
}

const prefixes = new WeakMap<QueryPlan, Prefix | undefined>()

function findPrefix(plan: QueryPlan): Prefix | undefined {
  if (plan.traceId !== undefined) return undefined
  const at = plan.stages.findIndex((s) => s.node.kind !== 'Where')
  const node = plan.stages[at]?.node
  let to = at
  // Counter panels walk each block's series once, merged exactly in scan order (series-stats.ts).
  const series = node?.kind === 'Stats' && seriesStats(node, statsContext(node, { scope: plan.stages[at].scope, now: 0n, source: '', rangeStart: plan.start, rangeEnd: plan.end }), true)?.streaming === true
  if (plan.seriesColumns !== undefined && !series) return undefined
  // Without a where, the scan itself skips the blocks that cannot enter the top (plan-top.ts).
  if (node?.kind === 'Sort' && plan.stages[at + 1]?.node.kind === 'Limit' && at > 0) to = at + 1
  else if (node?.kind !== 'Stats' || !(series || node.aggregates.every((a) => a.expr.kind === 'Call' && mergeable(a.expr)))) return undefined
  const prefix = plan.stages.slice(0, to + 1).map((s) => s.node)
  if (callsNow(prefix)) return undefined
  const query: QueryNode = { kind: 'Query', source: { kind: 'SignalSource', signal: plan.signal, at: 0 }, stages: prefix, at: 0 }
  // Rows kept carry the columns each stage passes on (StagePlan.readAfter: what later stages read).
  const columns = plan.stages.slice(0, to + 1).map((s) => s.readAfter?.join(',') ?? '*')
  const text = node.kind === 'Stats' ? printQuery(query) : `${printQuery(query)}\u0000${plan.columns?.join(',') ?? '*'}\u0000${columns.join(';')}`
  return { from: at, to, text, stats: node.kind === 'Stats' ? node : undefined, series }
}

/** What the executor wires in for a plan with a cached prefix: the scan's reuse hook, a tap on the scanned batches, and the stages to run instead. */
export interface CachedPrefix {
  /** The stages this stands in for, first and last. */
  readonly from: number
  readonly to: number
  readonly reuse: (block: ScanBlock) => boolean
  /** Called with each scanned batch as the source yields it: whether it is the block reuse last declined. */
  seen(block: boolean): void
  /**
   * The rows stages `from`..`to` would produce from `input`; `apply` runs those stages over
   * batches; `plain`: what they produce over a new scan that keeps nothing (where the partials
   * of a counter panel cannot be merged exactly).
   */
  run(input: AsyncIterable<Batch>, apply: (batches: AsyncIterable<Batch>) => AsyncIterable<Batch>, ctx: AggContext, budget: Budget, plain: () => AsyncIterable<Batch>): AsyncGenerator<Batch>
}

/** Rows of one segment of the scan (a block, or batches of no block) on their way to a partial. */
interface Segment {
  readonly key: string | null
  add(batch: Batch): Promise<number>
  close(): Promise<Partial>
  /** True once the segment cannot make a partial that merges (a counter walk gave up). */
  failed?(): boolean
}

/**
 * The cached prefix of `plan`, or undefined when it has none whose blocks can be kept. Build
 * a fresh one per run of the plan.
 */
export function cachedStats(plan: QueryPlan, tenant: string, cache: PartialCache): CachedPrefix | undefined {
  const prefix = cachedPrefix(plan)
  if (prefix === undefined) return undefined
  const space = `${tenant}\u0000${prefix.text}\u0000`
  // Hits and segments in scan order; segments are reduced to partials as the rows go on.
  const parts: (Partial | Segment)[] = []
  let current: Segment | undefined
  let declined: string | null = null
  let origin: string | null = null
  let open: ((key: string | null) => Segment) | undefined
  /** Reduces the segments the scan is past; returns the bytes of the partials held. */
  const reduce = async (): Promise<number> => {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]
      if (!('close' in p) || p === current) continue
      const partial = await p.close()
      if (p.key !== null && partial.failed !== true) {
        cache.set(space + p.key, partial)
        cache.misses++
      }
      parts[i] = partial
    }
    return parts.reduce((n, p) => n + ('bytes' in p ? p.bytes : 0), 0)
  }
  return {
    from: prefix.from,
    to: prefix.to,
    reuse(block) {
      declined = null
      if (open === undefined) return false
      const hit = cache.get(space + block.key)
      current = undefined
      if (hit !== undefined) {
        parts.push(hit)
        cache.hits++
        return true
      }
      declined = block.key
      parts.push((current = open(block.key)))
      return false
    },
    seen(block) {
      origin = block ? declined : null
    },
    async *run(input, apply, ctx, budget, plain) {
      const owner = {}
      const stats = prefix.stats
      const rows = async function* (batches: readonly Batch[]): AsyncGenerator<Batch> {
        yield* batches
      }
      if (stats !== undefined && prefix.series === true) {
        const aggCtx = statsContext(stats, ctx)
        open = (key) => {
          // Walked as the whole-block stream would, but every first point left to the merge.
          const walk = seriesStats(stats, aggCtx, 'summary')!
          let failed = false
          let seen = false
          return {
            key,
            add: async (batch) => {
              seen = true
              if (!failed && !walk.add(batch)) failed = true
              return walk.bytes()
            },
            close: async () => {
              const series = failed ? undefined : walk.partial()
              return { values: [], counts: [], series, rows: seen, failed: series === undefined, bytes: series?.bytes ?? 64 }
            },
            failed: () => failed,
          }
        }
      } else if (stats !== undefined) {
        const aggCtx = statsContext(stats, ctx)
        // The aggregators the plain stage would make: their checks (a rate() with no bucket
        // nor bounded range) fail here as they would there.
        void new StatsRows(stats, aggCtx)
        // rate() is counted per block, and divided once merged.
        const counting: StatsNode = { ...stats, aggregates: stats.aggregates.map((a) => (a.expr.kind === 'Call' && a.expr.name === 'rate' ? { ...a, expr: { ...a.expr, name: 'count' } } : a)) }
        open = (key) => {
          const state = new StatsRows(counting, aggCtx)
          let seen = false
          return {
            key,
            add: (batch) => ((seen = true), state.add(batch, budget)),
            close: async () => {
              const values = state.keys.values
              const counts = state.aggregators.map((a) => Float64Array.from(values, (_v, g) => a.value(g) as number))
              return { values, counts, rows: seen, bytes: values.length * (BYTES_PER_GROUP + 8 * counts.length) }
            },
          }
        }
      } else {
        open = (key) => {
          const held: Batch[] = []
          let bytes = 0
          return {
            key,
            add: async (batch) => (held.push(batch), (bytes += batchBytes(batch))),
            close: async () => {
              const out: Batch[] = []
              for await (const b of apply(rows(held))) out.push(b)
              const batch = out.length === 0 ? undefined : compact(concatBatches(out[0].signal, out))
              return { batch, values: [], counts: [], rows: held.length > 0, bytes: batch === undefined ? 64 : 64 + batchBytes(batch) }
            },
          }
        }
      }
      for await (const batch of input) {
        if (current === undefined || current.key !== origin) parts.push((current = open(origin)))
        const held = await current.add(batch)
        if (current.failed?.() === true) {
          // Nothing merges past a counter walk that gave up: the plain stages over a new scan.
          budget.set(owner, 0, 'stats')
          yield* plain()
          return
        }
        // Rows of no block (the head) are reduced a slice at a time, not held to the end.
        if (current.key === null && held > SEGMENT_BYTES) current = undefined
        const kept = await reduce()
        budget.set(owner, (current === undefined ? 0 : held) + kept, 'stats')
      }
      current = undefined
      budget.set(owner, await reduce(), 'stats')
      const partials = parts as Partial[]
      if (stats === undefined) {
        yield* apply(rows(partials.flatMap((p) => (p.batch === undefined ? [] : [p.batch]))))
        budget.set(owner, 0, 'stats')
        return
      }
      const aggCtx = statsContext(stats, ctx)
      if (prefix.series === true) {
        const walk = seriesStats(stats, aggCtx, true)!
        if (!partials.every((p) => p.series !== undefined && walk.merge(p.series, groupKey)) || !walk.finish()) {
          // Interleaved series or sums past 2^52: the plain stages over a new scan.
          budget.set(owner, 0, 'stats')
          yield* plain()
          return
        }
        const out = await statsOutput(stats, aggCtx, walk, (k, g) => walk.value(k, g), partials.some((p) => p.rows) ? plan.signal : 'spans', budget)
        budget.set(owner, 0, 'stats')
        if (out !== undefined) yield out
        return
      }
      const merged = new Merged(stats, plan.signal)
      for (const p of partials) merged.add(p)
      const seconds = aggCtx.binWidthNs ?? (aggCtx.rangeStart !== undefined && aggCtx.rangeEnd !== undefined ? Number(aggCtx.rangeEnd - aggCtx.rangeStart) : NaN)
      const rate = stats.aggregates.map((a) => (a.expr as CallNode).name === 'rate')
      const value = (k: number, g: number): Scalar => (rate[k] ? merged.counts[k][g] / (seconds / 1e9) : merged.counts[k][g])
      const out = await statsOutput(stats, aggCtx, merged, value, merged.signal, budget)
      budget.set(owner, 0, 'stats')
      if (out !== undefined) yield out
    },
  }
}

/** Rows of no block held before they are reduced (the best k of a slice of the head). */
const SEGMENT_BYTES = 16 * 1024 * 1024

/** Bytes of a batch's columns. */
function batchBytes(batch: Batch): number {
  let n = 0
  for (const name in batch.columns) n += columnBytes(batch.columns[name])
  return n
}

/** A copy of `batch` holding only its own rows: no view of a block's arrays, nor of its whole dictionaries. */
function compact(batch: Batch): Batch {
  return takeRows(batch, Uint32Array.from({ length: batch.length }, (_, i) => i))
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
