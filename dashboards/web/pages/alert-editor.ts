/**
 * @module dashboards/web/pages/alert-editor
 * The rule editor of the Alerts page, for API rule groups: one rule of a group (new or stored),
 * saved with PUT /api/v1/rules/groups/{name} (the group's other rules are sent back as they
 * are), and a preview that runs the rule's query over the page's time range and shows when it
 * would have fired (alert-preview.ts).
 */
import { api } from '../api-client.ts'
import { alertsApi, ruleSpecOf, secondsText, type RuleGroupView, type RuleSpec } from '../alerts-client.ts'
import { conditionText, parseCondition } from '../alert-condition.ts'
import { previewRule } from '../alert-preview.ts'
import { h, replace } from '../dom.ts'
import { formatDurationNs } from '../format.ts'
import type { PageContext } from '../page.ts'
import { linkTo, setParams } from '../router.ts'
import { stackedBars, type StackedBars } from '../stacked-bars.ts'
import { absolutePoint, formatLocal } from '../time-range.ts'

const MS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }

/** A Prometheus-style duration (`30s`, `5m`, `1h30m`) as milliseconds, or an Error naming the field. */
function durationMs(field: string, text: string): number | Error {
  const t = text.trim()
  if (!/^(\d+(\.\d+)?(ns|us|ms|s|m|h|d))+$/.test(t)) return new Error(`cannot read ${field}: ${JSON.stringify(text)} is not a duration like 30s, 5m or 1h30m`)
  let ms = 0
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)/g)) ms += Number(m[1]) * MS[m[2]]
  return ms
}

/** `key=value` lines as an object; an Error for a line without `=`. */
function pairs(field: string, text: string): Record<string, string> | Error {
  const out: Record<string, string> = {}
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf('=')
    if (at <= 0) return new Error(`cannot read ${field}: ${JSON.stringify(line)} is not key=value`)
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  return out
}

const lines = (o: Record<string, string>): string => Object.entries(o).map(([k, v]) => `${k}=${v}`).join('\n')

export interface EditorTarget {
  /** The stored group, absent for a new one. */
  group?: RuleGroupView
  /** The rule's name in that group, absent for a new rule. */
  rule?: string
}

/** The editor as an element; `onSaved` runs after a save or delete (the page reloads its lists). */
export function alertEditor(target: EditorTarget, ctx: () => PageContext, onSaved: () => void): { el: HTMLElement; dispose(): void } {
  const stored = target.group?.rules.find((r) => r.alert === target.rule)
  const field = (name: string, value: string, extra: Record<string, string> = {}) => h('input', { class: 'input mono', attrs: { name, autocomplete: 'off', spellcheck: 'false', ...extra }, props: { value } })
  const area = (name: string, value: string, rows: number, placeholder: string) => h('textarea', { class: 'input mono', attrs: { name, rows, placeholder, spellcheck: 'false' }, props: { value } })
  const group = field('group', target.group?.name ?? '', { placeholder: 'checkout-latency' })
  if (target.group) group.readOnly = true
  const interval = field('interval', target.group ? secondsText(target.group.interval) : '1m')
  const alert = field('alert', stored?.alert ?? '', { placeholder: 'HighLatency' })
  const query = area('query', stored?.query ?? 'spans | where kind = "server" | stats p99(duration) as p99 by service.name', 3, 'spans | ... | stats ... by ...')
  const condition = field('condition', stored ? conditionText(stored.condition) : 'p99 > 500ms', { placeholder: 'p99 > 500ms' })
  const windowField = field('window', stored ? secondsText(stored.window) : '5m')
  const forField = field('for', stored ? secondsText(stored.for) : '0s')
  const labels = area('labels', stored ? lines(stored.labels) : 'severity=page', 2, 'severity=page')
  const annotations = area('annotations', stored ? lines(stored.annotations) : 'summary={{ $labels.service_name }} p99 is {{ $value }}', 2, 'summary=...')
  const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
  const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
  const preview = h('div', { class: 'al-preview' })
  let chart: StackedBars | undefined
  let previewAbort: AbortController | undefined

  const fail = (message: string): void => {
    replace(status)
    replace(error, message)
    error.hidden = false
  }
  /** The form as a rule spec and its preview numbers, or the first mistake. */
  const read = () => {
    const c = parseCondition(condition.value)
    const iv = durationMs('interval', interval.value)
    const w = durationMs('window', windowField.value)
    const f = durationMs('for', forField.value)
    const l = pairs('labels', labels.value)
    const a = pairs('annotations', annotations.value)
    for (const x of [c, iv, w, f, l, a]) if (x instanceof Error) return x
    const spec: RuleSpec = { alert: alert.value.trim(), query: query.value.trim(), condition: condition.value.trim(), window: windowField.value.trim(), for: forField.value.trim(), labels: l as Record<string, string>, annotations: a as Record<string, string> }
    return { spec, condition: c as Exclude<typeof c, Error>, intervalMs: iv as number, windowMs: w as number, forMs: f as number }
  }

  const runPreview = async (): Promise<void> => {
    const r = read()
    if (r instanceof Error) return fail(r.message)
    error.hidden = true
    previewAbort?.abort()
    const abort = (previewAbort = new AbortController())
    replace(status, 'Running the rule over the time range…')
    try {
      const range = ctx().resolved
      const p = await previewRule({ query: r.spec.query, condition: r.condition, windowMs: r.windowMs, forMs: r.forMs, intervalMs: r.intervalMs }, range, (q, rg, signal) => api.query(q, rg, signal), abort.signal)
      if (abort.signal.aborted) return
      replace(status, `${p.steps.length} evaluations, one every ${formatDurationNs(p.stepMs * 1e6)}`)
      chart?.destroy()
      chart = stackedBars({
        times: p.steps.map((s) => s.atMs),
        xRange: range,
        height: 120,
        series: [
          { label: 'firing', color: '#e02f44', values: p.steps.map((s) => s.firing) },
          { label: 'pending', color: '#f59e0b', values: p.steps.map((s) => s.pending) },
        ],
        onZoom: (s, e) => ctx().setRange({ from: absolutePoint(s), to: absolutePoint(e) }),
      })
      const last = p.last
      replace(
        preview,
        h('h3', null, p.fired.length === 0 ? 'Would not have fired in this time range' : `Would have fired ${p.fired.length} time${p.fired.length === 1 ? '' : 's'}`),
        chart.el,
        p.fired.length > 0 ? h('ul', { class: 'al-fired' }, p.fired.slice(0, 20).map((f) => h('li', null, h('span', { class: 'mono' }, formatLocal(f.atMs)), ' ', f.labels || '(no labels)'))) : null,
        last ? h('p', { class: 'muted' }, `Last evaluation: ${last.rows.length} row${last.rows.length === 1 ? '' : 's'}, columns ${last.columns.map((c) => c.name).join(', ')}`) : null,
      )
    } catch (e) {
      if (!abort.signal.aborted) fail((e as Error).message)
    }
  }

  const save = async (): Promise<void> => {
    const r = read()
    if (r instanceof Error) return fail(r.message)
    if (group.value.trim() === '') return fail('cannot save rule: the group needs a name')
    if (alert.value.trim() === '') return fail('cannot save rule: the rule needs a name (alert)')
    // The group's other rules go back as they are stored.
    const rules = target.group === undefined ? [r.spec] : target.group.rules.map((x) => (x.alert === target.rule ? r.spec : ruleSpecOf(x)))
    try {
      replace(status, 'Saving…')
      await alertsApi.putGroup(group.value.trim(), { interval: interval.value.trim(), rules })
      replace(status, 'Saved')
      onSaved()
      setParams({ edit: undefined, rule: undefined, new: undefined }, true)
    } catch (e) {
      fail((e as Error).message)
    }
  }

  const form = h(
    'form',
    { class: 'card al-editor', attrs: { 'aria-label': 'Rule editor' } },
    h('h2', null, stored ? `Edit rule ${stored.alert}` : 'New rule'),
    h('div', { class: 'al-grid' },
      h('label', null, 'Group', group),
      h('label', null, 'Interval', interval),
      h('label', null, 'Rule (alert name)', alert),
      h('label', { class: 'al-wide' }, 'Query', query),
      h('label', null, 'Condition', condition),
      h('label', null, 'Window', windowField),
      h('label', null, 'For', forField),
      h('label', { class: 'al-half' }, 'Labels (key=value per line)', labels),
      h('label', { class: 'al-half' }, 'Annotations (key=value per line)', annotations),
    ),
    h('div', { class: 'tr-actions' },
      h('button', { class: 'btn', attrs: { type: 'button', name: 'preview' }, on: { click: () => void runPreview() } }, 'Preview'),
      h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Save'),
      h('a', { class: 'btn', attrs: { href: linkTo('/alerts') } }, 'Cancel'),
      status,
    ),
    error,
    preview,
  )
  form.addEventListener('submit', (e) => (e.preventDefault(), void save()))
  return { el: form, dispose: () => (previewAbort?.abort(), chart?.destroy()) }
}
