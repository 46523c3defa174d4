/**
 * @module query/agg-registry
 * The aggregate functions by name. `rate` with an argument is the counter rate of a metric;
 * without one it is rows per second.
 */
import type { CallNode } from './ast.ts'
import type { AggContext, AggFactory, Aggregator } from './agg.ts'
import { countAgg, distinctAgg, foldAgg, rowRateAgg } from './agg-basic.ts'
import { counterAgg } from './agg-counter.ts'
import { histogramQuantileAgg } from './agg-histogram.ts'
import { PERCENTILE_SHORTHANDS, percentileAgg } from './agg-quantile.ts'

export const AGGREGATES: Readonly<Record<string, AggFactory>> = {
  count: countAgg,
  countif: countAgg,
  sum: foldAgg,
  avg: foldAgg,
  min: foldAgg,
  max: foldAgg,
  dcount: distinctAgg,
  count_distinct: distinctAgg,
  percentile: percentileAgg,
  ...Object.fromEntries(Object.keys(PERCENTILE_SHORTHANDS).map((name) => [name, percentileAgg])),
  rate: (call, ctx) => (call.args.length === 0 ? rowRateAgg(call, ctx) : counterAgg(call, ctx)),
  increase: counterAgg,
  histogram_quantile: histogramQuantileAgg,
}

export function isAggregate(name: string): boolean {
  return Object.hasOwn(AGGREGATES, name)
}

export function createAggregator(call: CallNode, ctx: AggContext): Aggregator {
  return AGGREGATES[call.name](call, ctx)
}
