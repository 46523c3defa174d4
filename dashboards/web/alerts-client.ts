/**
 * @module dashboards/web/alerts-client
 * Typed calls to the alert rules API (alerts/README.md): rule groups with their state, active
 * alerts, API rule groups, silences.
 */
import { call } from './api-client.ts'

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved'

export interface RuleCondition {
  column: string
  op: string
  /** A number (durations in nanoseconds) or a string. */
  value: number | string
}

export interface AlertInstance {
  labels: Record<string, string>
  annotations: Record<string, string>
  state: AlertState
  value: number | string | null
  activeAt: string | null
  firedAt: string | null
  fingerprint: string
  group?: string
  rule?: string
}

export interface RuleView {
  alert: string
  query: string
  condition: RuleCondition
  /** Seconds. */
  for: number
  keepFiringFor: number
  window: number
  labels: Record<string, string>
  annotations: Record<string, string>
  state: 'inactive' | 'pending' | 'firing'
  health: string
  lastError: string
  lastEvaluation: string | null
  alerts: AlertInstance[]
}

export interface RuleGroupView {
  name: string
  /** `file` groups are read-only; `api` groups are edited here. */
  source: string
  /** Seconds. */
  interval: number
  rules: RuleView[]
}

/** A rule as PUT /api/v1/rules/groups/{name} takes it (the rule file format). */
export interface RuleSpec {
  alert: string
  query: string
  condition: string | RuleCondition
  window?: string
  for?: string
  keep_firing_for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

export interface Silence {
  id: string
  matchers: string[]
  startsAt: string
  endsAt: string
  createdBy: string
  comment: string
}

const json = (method: string, body: unknown, signal?: AbortSignal): RequestInit => ({ method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal })

/** Seconds as a duration the rule format takes (milliseconds keep fractions exact). */
export function secondsText(seconds: number): string {
  return `${Math.round(seconds * 1000)}ms`
}

export const alertsApi = {
  async rules(signal?: AbortSignal): Promise<RuleGroupView[]> {
    return (await call<{ groups: RuleGroupView[] }>('/api/v1/rules', { signal })).groups
  },
  async alerts(signal?: AbortSignal): Promise<AlertInstance[]> {
    return (await call<{ alerts: AlertInstance[] }>('/api/v1/alerts', { signal })).alerts
  },
  async putGroup(name: string, group: { interval: string; rules: RuleSpec[] }): Promise<void> {
    await call(`/api/v1/rules/groups/${encodeURIComponent(name)}`, json('PUT', group))
  },
  async deleteGroup(name: string): Promise<void> {
    await call(`/api/v1/rules/groups/${encodeURIComponent(name)}`, { method: 'DELETE' })
  },
  async silences(signal?: AbortSignal): Promise<Silence[]> {
    return (await call<{ silences: Silence[] }>('/api/v1/silences', { signal })).silences
  },
  async createSilence(s: { matchers: string[]; endsAt: string; comment?: string }): Promise<Silence> {
    return (await call<{ silence: Silence }>('/api/v1/silences', json('POST', s))).silence
  },
  async expireSilence(id: string): Promise<void> {
    await call(`/api/v1/silences/${encodeURIComponent(id)}`, { method: 'DELETE' })
  },
}

/** A rule of a stored group back in the format PUT takes, so editing one rule keeps the others. */
export function ruleSpecOf(r: RuleView): RuleSpec {
  return {
    alert: r.alert,
    query: r.query,
    condition: r.condition,
    window: secondsText(r.window),
    for: secondsText(r.for),
    keep_firing_for: secondsText(r.keepFiringFor),
    labels: r.labels,
    annotations: r.annotations,
  }
}
