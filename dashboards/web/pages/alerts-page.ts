/**
 * @module dashboards/web/pages/alerts-page
 * Alerts: every rule with its state, the pending and firing alerts with their labels, values and
 * since-when, a chart of state transitions over the time range (the `blazedb-alerts` log
 * records), silences, and the rule editor for API rule groups (file groups are read-only).
 * URL: /alerts, /alerts?new=1 (a new group), /alerts?edit=<group>&rule=<rule>.
 */
import { api } from '../api-client.ts'
import { alertsApi, type AlertInstance, type RuleGroupView, type Silence } from '../alerts-client.ts'
import { conditionText } from '../alert-condition.ts'
import { h, replace, safeUrl } from '../dom.ts'
import type { PageContext, PageDef } from '../page.ts'
import { bucketWidth } from '../query-text.ts'
import { linkTo } from '../router.ts'
import { stackedBars, type StackedBars } from '../stacked-bars.ts'
import { absolutePoint, formatLocal } from '../time-range.ts'
import { alertEditor } from './alert-editor.ts'

const STATES = [
  { state: 'firing', color: '#e02f44' },
  { state: 'pending', color: '#f59e0b' },
  { state: 'resolved', color: '#10b981' },
  { state: 'inactive', color: '#8b93a1' },
]

const stateBadge = (state: string) => h('span', { class: `badge al-state al-${state}` }, state)
const labelChips = (labels: Record<string, string>) => h('span', { class: 'al-labels' }, Object.entries(labels).map(([k, v]) => h('span', { class: 'al-label mono' }, `${k}=${v}`)))
/** An annotation that is an http(s) URL (like `{{ $link }}`, the rule's query in Explore) as a link. */
function annotationValue(v: string): Node | string {
  if (!/^https?:\/\/\S+$/i.test(v) || !safeUrl(v)) return v
  // A long query string says little: show where the link goes, the whole URL as its title.
  const u = new URL(v)
  return h('a', { attrs: { href: v, rel: 'noopener noreferrer', title: v } }, `${u.host}${u.pathname}${u.search ? '?…' : ''}`)
}
const when = (iso: string | null) => (iso === null ? '—' : formatLocal(Date.parse(iso)))

function alertsTable(alerts: AlertInstance[]): HTMLElement {
  if (alerts.length === 0) return h('p', { class: 'muted' }, 'No alert is pending or firing.')
  const head = ['Rule', 'State', 'Labels', 'Value', 'Since', 'Annotations']
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data al-alerts' },
    h('thead', null, h('tr', null, head.map((t) => h('th', { attrs: { scope: 'col' } }, h('span', { class: 'th-plain' }, t))))),
    h('tbody', null, alerts.map((a) => h('tr', { attrs: { 'data-state': a.state } },
      h('td', { attrs: { 'data-label': 'Rule' } }, a.rule ?? ''),
      h('td', { attrs: { 'data-label': 'State' } }, stateBadge(a.state)),
      h('td', { attrs: { 'data-label': 'Labels' } }, labelChips(a.labels)),
      h('td', { class: 'num mono', attrs: { 'data-label': 'Value' } }, a.value === null ? '—' : String(a.value)),
      h('td', { class: 'mono', attrs: { 'data-label': 'Since' } }, when(a.state === 'firing' ? a.firedAt : a.activeAt)),
      h('td', { class: 'al-ann', attrs: { 'data-label': 'Annotations' } }, h('div', null, Object.entries(a.annotations).map(([k, v]) => h('div', null, h('span', { class: 'muted' }, `${k}: `), annotationValue(v))))),
    ))),
  ))
}

function rulesList(groups: RuleGroupView[], onDelete: (name: string) => void): HTMLElement {
  if (groups.length === 0) return h('p', { class: 'muted' }, 'No alert rules yet. Rule files are configured under alerts.ruleFiles; API rule groups are made here.')
  return h('div', { class: 'al-groups' }, groups.map((g) => {
    const api = g.source === 'api'
    return h('section', { class: 'card al-group', attrs: { 'data-group': g.name } },
      h('div', { class: 'toolbar' },
        h('h3', null, g.name),
        h('span', { class: 'badge' }, api ? 'api' : 'file · read-only'),
        h('span', { class: 'muted' }, `every ${g.interval}s`),
        api ? h('button', { class: 'btn small danger', attrs: { type: 'button' }, on: { click: () => onDelete(g.name) } }, 'Delete group') : null,
      ),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data al-rules' },
        h('thead', null, h('tr', null, ['Rule', 'State', 'Query', 'Condition', 'Health', 'Last evaluation', ''].map((t) => h('th', { attrs: { scope: 'col' } }, h('span', { class: 'th-plain' }, t))))),
        h('tbody', null, g.rules.map((r) => h('tr', { attrs: { 'data-rule': r.alert, 'data-state': r.state } },
          h('td', { attrs: { 'data-label': 'Rule' } }, r.alert),
          h('td', { attrs: { 'data-label': 'State' } }, stateBadge(r.state)),
          h('td', { class: 'mono al-query', attrs: { 'data-label': 'Query' } }, r.query),
          h('td', { class: 'mono', attrs: { 'data-label': 'Condition' } }, conditionText(r.condition), r.for > 0 ? h('span', { class: 'muted' }, ` for ${r.for}s`) : null),
          h('td', { class: r.health === 'error' ? 'st-error' : undefined, attrs: { title: r.lastError || undefined, 'data-label': 'Health' } }, r.health || '—'),
          h('td', { class: 'mono', attrs: { 'data-label': 'Last evaluation' } }, when(r.lastEvaluation)),
          h('td', null, api ? h('a', { class: 'btn small', attrs: { href: linkTo('/alerts', { edit: g.name, rule: r.alert }) } }, 'Edit') : null),
        ))),
      )),
    )
  }))
}

/** The new-silence form; made once, so that an auto-refresh does not clear what is being typed. */
function silenceForm(reload: () => void, fail: (m: string) => void): HTMLFormElement {
  const matchers = h('input', { class: 'input mono', attrs: { name: 'matchers', placeholder: 'alertname="HighLatency", service_name="checkout"', autocomplete: 'off', spellcheck: 'false' } })
  const hours = h('select', { class: 'input', attrs: { name: 'hours' } }, ['1', '2', '4', '12', '24', '168'].map((v) => h('option', { attrs: { value: v } }, Number(v) === 168 ? '1 week' : `${v} h`)))
  const comment = h('input', { class: 'input', attrs: { name: 'comment', placeholder: 'why', autocomplete: 'off' } })
  const form = h('form', { class: 'al-silence-form', attrs: { 'aria-label': 'New silence' } },
    h('label', { class: 'al-wide' }, 'Matchers (comma separated)', matchers), h('label', null, 'For', hours), h('label', null, 'Comment', comment),
    h('div', { class: 'tr-actions' }, h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Silence')))
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    // Commas inside quoted values belong to the value.
    const list = matchers.value.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((m) => m.trim()).filter(Boolean)
    alertsApi.createSilence({ matchers: list, endsAt: new Date(Date.now() + Number(hours.value) * 3600e3).toISOString(), comment: comment.value }).then(() => {
      matchers.value = ''
      comment.value = ''
      reload()
    }, (err: Error) => fail(err.message))
  })
  return form
}

function silencesList(silences: Silence[], reload: () => void, fail: (m: string) => void): HTMLElement {
  const active = silences.filter((s) => Date.parse(s.endsAt) > Date.now())
  if (active.length === 0) return h('p', { class: 'muted' }, 'No active silences.')
  return h('ul', { class: 'al-silences' }, active.map((s) => h('li', { attrs: { 'data-silence': s.id } },
    h('span', { class: 'al-labels' }, s.matchers.map((m) => h('span', { class: 'al-label mono' }, m))),
    h('span', { class: 'muted' }, ` until ${formatLocal(Date.parse(s.endsAt))}`, s.comment ? ` · ${s.comment}` : ''),
    h('button', { class: 'btn small', attrs: { type: 'button' }, on: { click: () => void alertsApi.expireSilence(s.id).then(reload, (err: Error) => fail(err.message)) } }, 'Expire'),
  )))
}

export const ALERTS_PAGE: PageDef = {
  id: 'alerts',
  title: 'Alerts',
  usesTime: true,
  mount(root, first) {
    let ctx = first
    const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
    const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
    const editorBox = h('div')
    const alertsBox = h('div')
    const historyBox = h('div', { class: 'chart-box' })
    const rulesBox = h('div')
    const silenceList = h('div')
    const newLink = h('a', { class: 'btn primary', attrs: { href: linkTo('/alerts', { new: '1' }) } }, 'New rule group')
    root.append(h('section', { class: 'page alerts-page' },
      h('div', { class: 'toolbar' }, h('h1', null, 'Alerts'), status, newLink),
      error, editorBox,
      h('h2', null, 'Pending and firing'), alertsBox,
      h('h2', null, 'History'), historyBox,
      h('h2', null, 'Rules'), rulesBox,
      h('h2', null, 'Silences'), h('div', { class: 'card al-silence-card' }, silenceList, silenceForm(() => void load(ctx), (m) => fail(m)))))
    const fail = (message: string): void => {
      replace(error, message)
      error.hidden = false
    }
    let groups: RuleGroupView[] = []
    let chart: StackedBars | undefined
    let editor: { dispose(): void } | undefined
    let editorKey = ''
    let seq = 0

    const showEditor = (): void => {
      const p = ctx.params
      const key = p.get('new') ? 'new' : p.get('edit') ? `${p.get('edit')}\u0000${p.get('rule') ?? ''}` : ''
      if (key === editorKey) return
      editorKey = key
      editor?.dispose()
      editor = undefined
      replace(editorBox)
      if (key === '') return
      const group = p.get('edit') ? groups.find((g) => g.name === p.get('edit')) : undefined
      if (key !== 'new' && (group === undefined || group.source !== 'api')) {
        fail(group === undefined ? `cannot edit rule group ${JSON.stringify(p.get('edit'))}: there is no such group` : `cannot edit rule group ${JSON.stringify(group.name)}: it comes from a rule file (read-only)`)
        return
      }
      const ed = alertEditor({ group, rule: p.get('rule') ?? undefined }, () => ctx, () => void load(ctx))
      editor = ed
      editorBox.append(ed.el)
    }

    const history = (c: PageContext, mine: number): void => {
      const w = bucketWidth(c.resolved.endMs - c.resolved.startMs, 90)
      api.query(`logs | where service.name = "blazedb-alerts" | stats count() as n by bin(time, ${w.text}) as time, alert.state as state`, c.resolved, c.signal).then((r) => {
        if (mine !== seq) return
        const [ti, si, ni] = ['time', 'state', 'n'].map((n) => r.columns.findIndex((col) => col.name === n))
        const times = [...new Set(r.rows.map((row) => Date.parse(String(row[ti]))))].sort((a, b) => a - b)
        const at = new Map(times.map((t, i) => [t, i]))
        const values = Object.fromEntries(STATES.map((s) => [s.state, new Array<number>(times.length).fill(0)]))
        for (const row of r.rows) values[String(row[si])]?.splice(at.get(Date.parse(String(row[ti])))!, 1, Number(row[ni]))
        chart?.destroy()
        chart = undefined
        // Totals per state, for people reading the chart with a screen reader (and for tests).
        const totals = STATES.map((s) => `${s.state}: ${values[s.state].reduce((x, y) => x + y, 0)}`).join(', ')
        historyBox.dataset.totals = totals
        if (r.rows.length === 0) return replace(historyBox, h('p', { class: 'muted' }, 'No state changes in this time range.'))
        chart = stackedBars({ times, xRange: c.resolved, series: STATES.map((s) => ({ label: `to ${s.state}`, color: s.color, values: values[s.state] })), onZoom: (s, e) => c.setRange({ from: absolutePoint(s), to: absolutePoint(e) }) })
        replace(historyBox, h('p', { class: 'sr-only' }, `State changes over time, by new state: ${totals}`), chart.el)
      }, (e: Error) => mine === seq && !c.signal.aborted && fail(e.message))
    }

    const load = async (c: PageContext): Promise<void> => {
      const mine = ++seq
      history(c, mine)
      try {
        const [g, a, s] = await Promise.all([alertsApi.rules(c.signal), alertsApi.alerts(c.signal), alertsApi.silences(c.signal)])
        if (mine !== seq) return
        groups = g
        error.hidden = true
        const rules = g.reduce((n, x) => n + x.rules.length, 0)
        replace(status, `${rules} rule${rules === 1 ? '' : 's'} · ${a.filter((x) => x.state === 'firing').length} firing · ${a.filter((x) => x.state === 'pending').length} pending`)
        replace(alertsBox, alertsTable(a))
        replace(rulesBox, rulesList(g, (name) => {
          if (!window.confirm(`Delete rule group ${name}?`)) return
          alertsApi.deleteGroup(name).then(() => load(ctx), (e: Error) => fail(e.message))
        }))
        replace(silenceList, silencesList(s, () => void load(ctx), fail))
        showEditor()
      } catch (e) {
        if (mine === seq && !c.signal.aborted) fail((e as Error).message)
      }
    }

    void load(first)
    return {
      update(next) {
        ctx = next
        void load(next)
      },
      dispose() {
        editor?.dispose()
        chart?.destroy()
      },
    }
  },
}
