/**
 * @module alerts/alert-model
 * Alert instances: one per rule and group of result rows (its labels), with the state the
 * rule's evaluations moved it to. Times are epoch milliseconds.
 */

/** State of one alert instance; a rule's state is the highest of its instances'. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved'

export interface AlertInstance {
  /** Hash of the labels: the instance's identity across evaluations and restarts. */
  readonly fingerprint: string
  readonly labels: Readonly<Record<string, string>>
  annotations: Record<string, string>
  state: Exclude<AlertState, 'inactive'>
  /** The condition column's value at the last evaluation where the condition held. */
  value: unknown
  /** When the condition started to hold (pending since). */
  activeAt: number
  firedAt?: number
  resolvedAt?: number
  /** Last evaluation where the condition held, for keep_firing_for. */
  lastTrueAt: number
  /** Last time it was sent to Alertmanager. */
  lastSentAt?: number
}

/** What one evaluation saw for one group of rows. */
export interface Sample {
  readonly labels: Readonly<Record<string, string>>
  readonly value: unknown
  readonly holds: boolean
}

export interface Transition {
  readonly instance: AlertInstance
  readonly from: AlertState
  readonly to: AlertState
}

/** Everything kept about one rule between evaluations (persisted). */
export interface RuleState {
  health: 'unknown' | 'ok' | 'error'
  lastError?: string
  /** Start of the last evaluation, and how long it took. */
  lastEvaluation?: number
  evaluationMs?: number
  instances: AlertInstance[]
}

/** The highest state of a rule's instances. */
export function ruleStateOf(instances: readonly AlertInstance[]): AlertState {
  if (instances.some((i) => i.state === 'firing')) return 'firing'
  if (instances.some((i) => i.state === 'pending')) return 'pending'
  return 'inactive'
}
