/**
 * @module dashboards/web/pages/logs-page
 * Logs: search log records (matched text marked, severities coloured), a histogram of counts
 * over time stacked by severity, and a live tail that streams matching records as they are
 * stored (GET /api/v1/subscribe), pausable, with the same filters. A record links to its trace.
 * URL: /logs?text=&sev=&service=&filter=&live=1 (logs-search.ts)
 */
import { api } from '../api-client.ts'
import { h, replace } from '../dom.ts'
import { LOG_COLUMNS, logRow, readLogs, type LogRecord } from '../log-row.ts'
import type { PageContext, PageDef } from '../page.ts'
import { bucketWidth } from '../query-text.ts'
import { setParams } from '../router.ts'
import { MIN_SEVERITY_CHOICES, SEVERITY_CLASSES } from '../severity.ts'
import { stackedBars, type StackedBars } from '../stacked-bars.ts'
import { absolutePoint } from '../time-range.ts'
import { histogramQuery, LIST_LIMIT, LIVE_KEEP, logFiltersFrom, logsFilter, type LogFilters } from './logs-search.ts'

export const LOGS_PAGE: PageDef = {
  id: 'logs',
  title: 'Logs',
  usesTime: true,
  mount(root, first) {
    const text = h('input', { class: 'input', attrs: { name: 'text', type: 'search', placeholder: 'text in the body', autocomplete: 'off', spellcheck: 'false' } })
    const sev = h('select', { class: 'input', attrs: { name: 'sev' } }, MIN_SEVERITY_CHOICES.map((c) => h('option', { attrs: { value: c.value } }, c.label)))
    const service = h('input', { class: 'input', attrs: { name: 'service', placeholder: 'any service', list: 'lg-services', autocomplete: 'off' } })
    const filter = h('input', { class: 'input mono', attrs: { name: 'filter', placeholder: 'attr.order_id = 42', autocomplete: 'off', spellcheck: 'false' } })
    const services = h('datalist', { attrs: { id: 'lg-services' } })
    const liveButton = h('button', { class: 'btn', attrs: { type: 'button', 'aria-pressed': 'false' } })
    const pauseButton = h('button', { class: 'btn', attrs: { type: 'button', hidden: true } })
    const form = h(
      'form',
      { class: 'lg-form card', attrs: { role: 'search', 'aria-label': 'Search logs' } },
      h('label', { class: 'lg-f-text' }, 'Text', text),
      h('label', null, 'Severity', sev),
      h('label', null, 'Service', service),
      h('label', { class: 'lg-f-filter' }, 'Condition (query language)', filter),
      h('div', { class: 'tr-actions' }, h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Search'), liveButton, pauseButton),
      services,
    )
    const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
    const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
    const chartBox = h('div', { class: 'chart-box', attrs: { hidden: true } })
    const list = h('ol', { class: 'lg-list card', attrs: { 'aria-label': 'Log records' } })
    root.append(h('section', { class: 'page logs-page' }, h('div', { class: 'toolbar' }, h('h1', null, 'Logs'), status), form, error, chartBox, list))

    const read = (): Record<string, string> => ({ text: text.value.trim(), sev: sev.value, service: service.value.trim(), filter: filter.value.trim() })
    form.addEventListener('submit', (e) => {
      e.preventDefault()
      setParams(read(), true)
    })
    liveButton.addEventListener('click', () => setParams({ ...read(), live: live ? undefined : '1' }, true))

    let ctx = first
    let chart: StackedBars | undefined
    let seq = 0
    let live = false
    let stop: (() => void) | undefined
    let liveKey = ''
    let paused = false
    let held: LogRecord[] = []
    let liveCount = 0

    const showError = (message: string): void => {
      replace(error, message)
      error.hidden = false
    }
    const prepend = (recs: LogRecord[], term: string): void => {
      // Newest first: a batch arrives oldest first.
      const rows = recs.slice().reverse().map((r) => logRow(r, { term }))
      list.prepend(...rows)
      while (list.childElementCount > LIVE_KEEP) list.lastElementChild!.remove()
    }
    const liveStatus = (): void => replace(status, paused ? `Paused · ${held.length} new held` : `Live · ${liveCount} record${liveCount === 1 ? '' : 's'} since start`)
    const setPaused = (p: boolean, f: LogFilters): void => {
      paused = p
      replace(pauseButton, paused ? `▶ Resume${held.length > 0 ? ` (${held.length})` : ''}` : 'Pause')
      pauseButton.setAttribute('aria-pressed', String(paused))
      if (!paused && held.length > 0) prepend(held.splice(0), f.text)
      liveStatus()
    }
    pauseButton.addEventListener('click', () => setPaused(!paused, logFiltersFrom(ctx.params)))

    const startLive = (f: LogFilters): void => {
      const q = logsFilter(f)
      if (stop && q === liveKey) return
      stop?.()
      liveKey = q
      held = []
      liveCount = 0
      replace(list)
      chartBox.hidden = true
      error.hidden = true
      replace(status, 'Connecting…')
      stop = api.subscribe(
        q,
        (result) => {
          const recs = readLogs(result)
          liveCount += recs.length
          if (paused) {
            held.push(...recs)
            if (held.length > LIVE_KEEP) held.splice(0, held.length - LIVE_KEEP)
          } else prepend(recs, f.text)
          if (paused) replace(pauseButton, `▶ Resume (${held.length})`)
          liveStatus()
        },
        (message) => showError(message),
        () => {
          list.dataset.live = 'ready'
          liveStatus()
        },
      )
    }
    const stopLive = (): void => {
      stop?.()
      stop = undefined
      liveKey = ''
      delete list.dataset.live
    }

    const search = (f: LogFilters): void => {
      const mine = ++seq
      const filterText = logsFilter(f)
      const width = bucketWidth(ctx.resolved.endMs - ctx.resolved.startMs, 90)
      if (ctx.reason !== 'tick') replace(status, 'Searching…')
      Promise.all([
        api.query(`${filterText} | sort time desc | limit ${LIST_LIMIT} | select ${LOG_COLUMNS}`, ctx.resolved, ctx.signal),
        api.query(histogramQuery(f, width.text), ctx.resolved, ctx.signal),
      ]).then(
        ([rows, hist]) => {
          if (mine !== seq) return
          error.hidden = true
          const recs = readLogs(rows)
          replace(list, recs.length === 0 ? h('li', { class: 'muted lg-empty' }, 'No log records match in this time range.') : recs.map((r) => logRow(r, { term: f.text })))
          const at = (n: string): number => hist.columns.findIndex((c) => c.name === n)
          const [t, total, err, warn, debug] = ['time', 'total', 'error', 'warn', 'debug'].map(at)
          const times = hist.rows.map((r) => Date.parse(String(r[t])))
          const num = (v: unknown): number => (typeof v === 'number' ? v : 0)
          const values: Record<string, number[]> = { error: [], warn: [], info: [], debug: [] }
          let count = 0
          for (const r of hist.rows) {
            values.error.push(num(r[err]))
            values.warn.push(num(r[warn]))
            values.debug.push(num(r[debug]))
            values.info.push(num(r[total]) - num(r[err]) - num(r[warn]) - num(r[debug]))
            count += num(r[total])
          }
          replace(status, `${count.toLocaleString('en-US')} records${recs.length < count ? ` · newest ${recs.length} shown` : ''}`)
          chart?.destroy()
          chart = stackedBars({
            times,
            xRange: ctx.resolved,
            series: SEVERITY_CLASSES.map((c) => ({ label: c.label, color: c.color, values: values[c.cls] })),
            onZoom: (s, e) => ctx.setRange({ from: absolutePoint(s), to: absolutePoint(e) }),
          })
          replace(chartBox, h('h2', { class: 'sr-only' }, 'Records over time by severity'), chart.el)
          chartBox.hidden = false
        },
        (e: unknown) => {
          if (mine !== seq || ctx.signal.aborted) return
          replace(status)
          showError((e as Error).message)
        },
      )
    }

    const update = (next: PageContext): void => {
      ctx = next
      const f = logFiltersFrom(next.params)
      if (next.reason !== 'tick') {
        text.value = f.text
        sev.value = f.sev
        service.value = f.service
        filter.value = f.filter
        api.services(next.resolved, next.signal).then((names) => replace(services, names.map((n) => h('option', { attrs: { value: n } }))), () => {})
      }
      live = next.params.get('live') === '1'
      replace(liveButton, live ? '■ Stop live tail' : '● Live tail')
      liveButton.setAttribute('aria-pressed', String(live))
      liveButton.classList.toggle('live-on', live)
      pauseButton.hidden = !live
      if (live) {
        if (next.reason === 'tick') return
        if (!stop) setPaused(false, f)
        startLive(f)
      } else {
        stopLive()
        search(f)
      }
    }
    update(first)
    return {
      update,
      dispose: () => {
        stopLive()
        chart?.destroy()
      },
    }
  },
}
