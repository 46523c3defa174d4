/**
 * @module query/query-plan
 * The shape of a planned query: what the planner (planner.ts) produces and the executor
 * (executor.ts) runs. Frozen in spirit: nothing changes a plan once it is made.
 */
import type { ScanCondition, Signal } from '../storage/index.ts'
import type { StageNode } from './ast.ts'
import type { Scope } from './fields.ts'

export interface StagePlan<N extends StageNode = StageNode> {
  readonly node: N
  /** What the stage's expressions see. */
  readonly scope: Scope
  /** What the stage produces. */
  readonly out: Scope
  /** The planned right side of a join. */
  readonly right?: QueryPlan
  /**
   * The columns of the stage's rows (scanned rows) that later stages read; undefined when any
   * may be. A stage that copies rows (`where`) copies only these.
   */
  readonly readAfter?: readonly string[]
}

export interface QueryPlan {
  readonly signal: Signal
  /** A trace lookup instead of a scan. */
  readonly traceId?: Uint8Array
  readonly start?: bigint
  readonly end?: bigint
  /** Columns to read; undefined reads all. */
  readonly columns?: readonly string[]
  /** The time column is read only to filter rows by the range (ScanRequest.timeForRangeOnly). */
  readonly timeForRangeOnly?: boolean
  /**
   * Counter and histogram aggregates read every label of a point, whose names are not known
   * in advance: the scan reads all columns and the rows keep only these and the labels.
   */
  readonly seriesColumns?: readonly string[]
  readonly where: readonly ScanCondition[]
  readonly stages: readonly StagePlan[]
  readonly out: Scope
}
