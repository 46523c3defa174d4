/**
 * @module dashboards/web/pages/explore-page
 * Explore: write a query, run it (Ctrl+Enter), see rows as a table and time buckets as a chart.
 * URL: /explore?q=<query>&from=&to= — a run pushes a history entry, so Back returns to the
 * previous query; auto-refresh re-runs it.
 */
import { ApiError, api, type QueryResult } from '../api-client.ts'
import { timeSeriesChart, type Chart } from '../chart.ts'
import { h, replace } from '../dom.ts'
import type { PageContext, PageDef } from '../page.ts'
import { attachCompletion } from '../query-complete.ts'
import { createQueryEditor } from '../query-editor.ts'
import { loadHistory, rememberQuery } from '../query-history.ts'
import { resultToChart } from '../result-chart.ts'
import { resultsTable } from '../results-table.ts'
import { setParams } from '../router.ts'
import { absolutePoint } from '../time-range.ts'

const EXAMPLE = 'spans | stats count(), p95(duration) by bin(time, 1m)'

export const EXPLORE_PAGE: PageDef = {
  id: 'explore',
  title: 'Explore',
  usesTime: true,
  mount(root, first) {
    let ctx: PageContext = first
    let chart: Chart | undefined
    const run = (): void => {
      const q = editor.value().trim()
      if (q === '') return
      // A new query is a new history entry; re-running the same one is not.
      setParams({ q }, q !== (ctx.params.get('q') ?? ''))
      if (q === (ctx.params.get('q') ?? '')) execute(q)
    }
    const editor = createQueryEditor({ onRun: run, label: 'Query', placeholder: EXAMPLE })
    const detach = attachCompletion(editor, () => ctx.resolved)
    const historyList = h('ul', { class: 'menu', attrs: { hidden: true, role: 'menu' } })
    const historyButton = h('button', { class: 'btn', attrs: { type: 'button', 'aria-haspopup': 'menu' } }, 'History')
    historyButton.addEventListener('click', () => {
      const items = loadHistory()
      replace(
        historyList,
        items.length === 0 ? h('li', { class: 'muted' }, 'No queries yet') : items.map((q) => h('li', null, h('button', { class: 'menu-item mono', attrs: { type: 'button', role: 'menuitem' }, on: { click: () => (editor.setValue(q), (historyList.hidden = true), editor.input.focus()) } }, q))),
      )
      historyList.hidden = !historyList.hidden
      ;(historyList.querySelector('button') as HTMLElement | null)?.focus()
    })
    historyList.addEventListener('keydown', (e) => {
      const items = [...historyList.querySelectorAll('button')]
      const at = items.indexOf(document.activeElement as HTMLButtonElement)
      if (e.key === 'Escape') ((historyList.hidden = true), historyButton.focus())
      else if (e.key === 'ArrowDown') (e.preventDefault(), items[Math.min(items.length - 1, at + 1)]?.focus())
      else if (e.key === 'ArrowUp') (e.preventDefault(), items[Math.max(0, at - 1)]?.focus())
    })
    const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
    const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
    const chartBox = h('div', { class: 'chart-box', attrs: { hidden: true } })
    const tableBox = h('div')
    root.append(
      h(
        'section',
        { class: 'page' },
        h('h1', { class: 'sr-only' }, 'Explore'),
        editor.el,
        h(
          'div',
          { class: 'toolbar' },
          h('button', { class: 'btn primary', attrs: { type: 'button', title: 'Run (Ctrl+Enter)' }, on: { click: run } }, '▶ Run'),
          h('span', { class: 'muted hint' }, 'Ctrl+Enter runs · Ctrl+Space completes'),
          h('div', { class: 'menu-anchor' }, historyButton, historyList),
          status,
        ),
        error,
        chartBox,
        tableBox,
      ),
    )

    let seq = 0
    const execute = (q: string): void => {
      const mine = ++seq
      replace(status, 'Running…')
      const signal = ctx.signal
      api.query(q, ctx.resolved, signal).then(
        (result) => mine === seq && show(q, result),
        (e: unknown) => {
          if (mine !== seq || signal.aborted) return
          replace(status)
          const err = e as ApiError
          const place = err.line !== undefined && err.column !== undefined ? `line ${err.line}, column ${err.column}: ` : ''
          replace(error, h('strong', null, err.code ?? 'ERROR'), ' ', place, err.message)
          error.hidden = false
          // Results of an earlier query would read as this one's.
          chartBox.hidden = true
          replace(tableBox)
          editor.markError(err.line !== undefined && err.column !== undefined ? { line: err.line, column: err.column } : undefined)
        },
      )
    }
    const show = (q: string, result: QueryResult): void => {
      rememberQuery(q)
      error.hidden = true
      editor.markError(undefined)
      const s = result.stats
      replace(status, `${s.rowsReturned.toLocaleString('en-US')} rows${s.truncated ? ' (more matched; add limit or stats)' : ''} · ${s.rowsScanned.toLocaleString('en-US')} scanned · ${Math.round(s.elapsedMs)} ms`)
      chart?.destroy()
      chart = undefined
      // Only time buckets make a chart; raw rows with a time column do not.
      const data = /\bbin\s*\(\s*time\b/.test(q) ? resultToChart(result) : undefined
      if (data && data.series.length > 0) {
        chart = timeSeriesChart({
          times: data.times,
          series: data.series,
          xRange: ctx.resolved,
          onZoom: (start, end) => ctx.setRange({ from: absolutePoint(start), to: absolutePoint(end) }),
        })
        replace(chartBox, chart.el)
        chartBox.hidden = false
      } else chartBox.hidden = true
      replace(tableBox, resultsTable(result))
    }

    const update = (next: PageContext): void => {
      ctx = next
      const q = next.params.get('q') ?? ''
      if (q !== editor.value().trim() && next.reason !== 'tick') editor.setValue(q)
      if (q !== '') execute(q)
    }
    update(first)
    if (first.params.get('q') === null) editor.input.focus()
    return {
      update,
      dispose: () => {
        chart?.destroy()
        detach()
      },
    }
  },
}
