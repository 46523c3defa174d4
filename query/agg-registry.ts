/**
 * @module query/agg-registry
 * The aggregate functions by name (LANGUAGE.md "Aggregate functions"), each with what the
 * planner needs to know of it: the type of its values and the point columns it reads.
 * `rate` with an argument is the counter rate of a metric; without one it is rows per second.
 */
import type { CallNode } from './ast.ts'
import type { AggContext, AggFactory, Aggregator } from './agg.ts'
import { countAgg, distinctAgg, foldAgg, rowRateAgg } from './agg-basic.ts'
import { counterAgg } from './agg-counter.ts'
import { HISTOGRAM_COLUMNS, histogramQuantileAgg } from './agg-histogram.ts'
import { PERCENTILE_SHORTHANDS, percentileAgg } from './agg-quantile.ts'
import { SERIES_POINT_COLUMNS } from './agg-series.ts'

export interface AggregateDef {
  readonly create: AggFactory
  /** The type of its values: always a number, or the type of its first argument. */
  readonly result: 'number' | 'arg'
  /**
   * Point columns it reads besides every label, over raw metric rows: the scan then reads
   * all columns and keeps only these and the labels (QueryPlan.seriesColumns).
   */
  readonly series: (call: CallNode) => readonly string[]
}

const NONE = (): readonly string[] => []
/** Series aggregates without an argument (row rates, or a mistake reported when run) read no points. */
const points = (columns: readonly string[]) => (call: CallNode) => (call.args.length > 0 ? columns : [])

const fold: AggregateDef = { create: foldAgg, result: 'arg', series: NONE }
const count: AggregateDef = { create: countAgg, result: 'number', series: NONE }
const distinct: AggregateDef = { create: distinctAgg, result: 'number', series: NONE }
const percentile: AggregateDef = { create: percentileAgg, result: 'arg', series: NONE }
const counter: AggregateDef = { create: counterAgg, result: 'number', series: points(SERIES_POINT_COLUMNS) }

export const AGGREGATES: Readonly<Record<string, AggregateDef>> = {
  count,
  countif: count,
  sum: fold,
  avg: fold,
  min: fold,
  max: fold,
  dcount: distinct,
  count_distinct: distinct,
  percentile,
  ...Object.fromEntries(Object.keys(PERCENTILE_SHORTHANDS).map((name) => [name, percentile])),
  rate: { ...counter, create: (call, ctx) => (call.args.length === 0 ? rowRateAgg(call, ctx) : counterAgg(call, ctx)) },
  increase: counter,
  histogram_quantile: { create: histogramQuantileAgg, result: 'number', series: points(HISTOGRAM_COLUMNS) },
}

export function isAggregate(name: string): boolean {
  return Object.hasOwn(AGGREGATES, name)
}

export function createAggregator(call: CallNode, ctx: AggContext): Aggregator {
  return AGGREGATES[call.name].create(call, ctx)
}
