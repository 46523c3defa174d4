/**
 * @module alerts/evaluator
 * One evaluation of one rule: its query over the look-back window ending now, as the rule's
 * tenant, through the query runner it is given (in-process today, worker threads later); each
 * result row becomes a sample labelled by its group keys. "No data" and "query error" turn
 * into samples (or none) as the rule says.
 */
import type { QueryResult } from '../query/index.ts'
import type { Sample } from './alert-model.ts'
import { conditionHolds } from './condition.ts'
import { MAX_INSTANCES_PER_RULE } from './limits.ts'
import type { Rule } from './rule-model.ts'
import { expandTemplate, labelName, type TemplateData } from './template.ts'

/** Runs a query read-only as `tenant`: `(text, options) => runQuery(text, {...options, store})`. */
export type QueryRunner = (text: string, options: { tenant: string; start: bigint; end: bigint; signal: AbortSignal }) => Promise<QueryResult>

export interface EvaluationInput {
  rule: Rule
  group: string
  tenant: string
  now: number
  /** Link to the rule's query in the web UI, for `{{ $link }}`. */
  link: string
  run: QueryRunner
  /** Aborts the evaluation (the service stops). */
  signal?: AbortSignal
}

export type Evaluation =
  /** The samples to step with. */
  | { kind: 'samples'; samples: Sample[]; error?: string }
  /** Keep the instances as they are (keep_state on no data or on an error). */
  | { kind: 'keep'; error?: string }

const KEY_TYPES = new Set(['string', 'id', 'bool'])

export async function evaluateRule(input: EvaluationInput): Promise<Evaluation> {
  const { rule, now } = input
  let result: QueryResult
  try {
    result = await input.run(rule.query, {
      tenant: input.tenant,
      start: BigInt(now - rule.windowMs) * 1_000_000n,
      end: BigInt(now) * 1_000_000n + 1n,
      signal: input.signal === undefined ? AbortSignal.timeout(rule.timeoutMs) : AbortSignal.any([AbortSignal.timeout(rule.timeoutMs), input.signal]),
    })
  } catch (error) {
    const message = `cannot evaluate rule: ${(error as Error).message}`
    return policy(rule.onError, input, 'error', message)
  }
  const valueAt = result.columns.findIndex((c) => c.name === rule.condition.column)
  if (valueAt < 0 && result.rows.length > 0) {
    return policy(rule.onError, input, 'error', `cannot evaluate rule: the result has no column ${JSON.stringify(rule.condition.column)}`)
  }
  if (result.rows.length === 0) return policy(rule.noData, input, 'no_data')
  const keys = result.columns
    .map((c, i) => ({ name: c.name, i, key: rule.groupBy !== undefined ? rule.groupBy.includes(c.name) : i !== valueAt && KEY_TYPES.has(c.type) }))
    .filter((c) => c.key)
  const samples: Sample[] = []
  for (const row of result.rows) {
    const groupLabels: Record<string, string> = {}
    for (const k of keys) if (row[k.i] !== null && row[k.i] !== undefined) groupLabels[labelName(k.name)] = String(row[k.i])
    const value = row[valueAt]
    samples.push({ labels: labelsOf(input, groupLabels, value), value, holds: conditionHolds(rule.condition, value) })
  }
  if (samples.length > MAX_INSTANCES_PER_RULE) {
    return { kind: 'samples', samples: samples.slice(0, MAX_INSTANCES_PER_RULE), error: `the query returned ${samples.length} groups; only the first ${MAX_INSTANCES_PER_RULE} are alerts` }
  }
  return { kind: 'samples', samples }
}

/** The alert's labels: the group keys, then the rule's (templated) labels, then alertname. */
export function labelsOf(input: Pick<EvaluationInput, 'rule' | 'group' | 'link'>, groupLabels: Record<string, string>, value: unknown): Record<string, string> {
  const data: TemplateData = { labels: groupLabels, value, rule: input.rule.alert, group: input.group, link: input.link }
  const labels: Record<string, string> = { ...groupLabels }
  for (const [k, v] of Object.entries(input.rule.labels)) labels[k] = expandTemplate(v, data)
  labels.alertname = input.rule.alert
  return labels
}

function policy(choice: 'ok' | 'alerting' | 'keep_state', input: EvaluationInput, reason: 'no_data' | 'error', error?: string): Evaluation {
  switch (choice) {
    case 'keep_state':
      return { kind: 'keep', error }
    case 'ok':
      return { kind: 'samples', samples: [], error }
    case 'alerting':
      // One alert for the rule as a whole, told apart by its reason.
      return { kind: 'samples', samples: [{ labels: labelsOf(input, { blazedb_reason: reason }, null), value: null, holds: true }], error }
    default:
      throw new Error(`unhandled policy ${String(choice satisfies never)}`)
  }
}

/** Annotations of an alert from its labels and value. */
export function annotationsOf(input: Pick<EvaluationInput, 'rule' | 'group' | 'link'>, labels: Readonly<Record<string, string>>, value: unknown): Record<string, string> {
  const data: TemplateData = { labels, value, rule: input.rule.alert, group: input.group, link: input.link }
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(input.rule.annotations)) out[k] = expandTemplate(v, data)
  return out
}
