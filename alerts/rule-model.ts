/**
 * @module alerts/rule-model
 * Rules as the evaluator uses them: validated, durations in milliseconds, query checked.
 * What users write is described in README.md ("Rule files").
 */
import type { Condition } from './condition.ts'

/** What a rule does when its query returns no row. */
export type NoDataPolicy = 'ok' | 'alerting' | 'keep_state'
/** What a rule does when its query fails (syntax aside, which stops the load). */
export type ErrorPolicy = 'keep_state' | 'alerting' | 'ok'

export interface Rule {
  /** The alert name: label `alertname`. Unique within its group. */
  readonly alert: string
  readonly query: string
  readonly condition: Condition
  /** Look-back window of each evaluation, ms. */
  readonly windowMs: number
  readonly forMs: number
  readonly keepFiringForMs: number
  /** Label templates added to each alert of the rule. */
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  /** Result columns whose values identify an alert; undefined: every string, id or bool column. */
  readonly groupBy?: readonly string[]
  readonly noData: NoDataPolicy
  readonly onError: ErrorPolicy
  /** Time limit of one evaluation, ms. */
  readonly timeoutMs: number
}

export interface RuleGroup {
  readonly name: string
  /** Tenant the group's queries read and its history is written to. */
  readonly tenant: string
  readonly intervalMs: number
  /** The file it came from, or `api` for groups made through the HTTP API. */
  readonly source: string
  readonly rules: readonly Rule[]
}
