/**
 * @module dashboards/web/pages/dashboards-page
 * Saved dashboards. URLs:
 *   /dashboards                          the list: create, import JSON, open
 *   /dashboards/<id>[?var-x=..]          one dashboard: variables, panels; edit (drag panels,
 *                                        edit or add panels, settings), save, duplicate, export,
 *                                        delete, embed links
 *   /embed/dashboards/<id>               the same without navigation, for an iframe
 *   /embed/dashboards/<id>/panels/<pid>  one panel filling the frame
 * Built-in and provisioned dashboards are read-only: duplicate one to change it.
 */
import { GRID_COLUMNS, type Dashboard, type Panel } from '../../model/dashboard-model.ts'
import { api, type DashboardEntry } from '../api-client.ts'
import { createDashboardView, type DashboardView } from '../dashboard/dashboard-view.ts'
import { openPanelEditor } from '../dashboard/panel-editor.ts'
import { openSettingsEditor } from '../dashboard/settings-editor.ts'
import { h, replace } from '../dom.ts'
import type { PageContext, PageDef, PageInstance } from '../page.ts'
import { linkTo, navigate, setParams } from '../router.ts'
import { dashboardList } from './dashboard-list.ts'
import { embedDialog } from './dashboard-embed.ts'

export const DASHBOARDS_PAGE: PageDef = {
  id: 'dashboards',
  title: 'Dashboards',
  usesTime: true,
  mount(root, first) {
    let current: PageInstance | undefined
    let key = ''
    const update = (ctx: PageContext): void => {
      const next = ctx.rest[0] ?? ''
      if (next !== key || current === undefined) {
        current?.dispose?.()
        root.replaceChildren()
        key = next
        current = next === '' ? dashboardList(root, ctx) : dashboardPage(root, ctx, next, ctx.rest[1] === 'panels' ? ctx.rest[2] : undefined)
      } else current.update(ctx)
    }
    update(first)
    return { update, dispose: () => current?.dispose?.() }
  },
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const a = h('a', { attrs: { download: name } })
  a.href = url // a blob: URL made here, never data
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

function dashboardPage(root: HTMLElement, first: PageContext, id: string, onlyPanel: string | undefined): PageInstance {
  let ctx = first
  let entry: DashboardEntry | undefined
  let draft: Dashboard | undefined
  let editing = false
  const status = h('div', { class: 'status', attrs: { role: 'status', 'aria-live': 'polite' } })
  const heading = h('h1', { class: 'dash-title' })
  const tools = h('div', { class: 'toolbar dash-tools' })
  const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
  const view: DashboardView = createDashboardView(
    {
      editPanel: (panel) => openPanelEditor(panel, draft!.variables, ctx.resolved, (next) => replacePanel(panel, next)),
      removePanel: (panel) => {
        draft!.panels = draft!.panels.filter((p) => p !== panel)
        redraw()
      },
      changed: () => replace(status, 'Layout changed: save to keep it.'),
    },
    onlyPanel,
  )
  const chrome = !first.embed
  root.append(h('section', { class: 'page' }, chrome ? h('div', { class: 'dash-head' }, heading, tools) : null, error, chrome ? status : null, view.el))

  const replacePanel = (old: Panel, next: Panel): void => {
    draft!.panels = draft!.panels.map((p) => (p === old ? next : p))
    redraw()
  }
  const shown = (): Dashboard => (editing ? draft! : entry!.dashboard)
  const redraw = (): void => {
    view.update(shown(), { ...ctx, reason: 'url' }, editing)
    drawTools()
  }
  const fail = (e: Error): void => {
    replace(error, e.message)
    error.hidden = false
  }
  const button = (label: string, onClick: () => void, cls = 'btn'): HTMLButtonElement => h('button', { class: cls, attrs: { type: 'button' }, on: { click: onClick } }, label)

  const drawTools = (): void => {
    if (entry === undefined) return
    const d = shown()
    replace(heading, d.title, entry.readOnly ? h('span', { class: 'badge' }, entry.source === 'builtin' ? 'built in' : 'provisioned') : null)
    if (editing) {
      replace(
        tools,
        button('Add panel', () => {
          const y = Math.max(0, ...draft!.panels.map((p) => p.grid.y + p.grid.h))
          const ids = new Set(draft!.panels.map((p) => p.id))
          let n = draft!.panels.length + 1
          while (ids.has(`panel-${n}`)) n++
          const panel: Panel = { id: `panel-${n}`, title: 'New panel', type: 'timeseries', query: 'spans | stats count() by bin(time, 1m)', grid: { x: 0, y, w: GRID_COLUMNS / 2, h: 4 } }
          openPanelEditor(panel, draft!.variables, ctx.resolved, (next) => {
            draft!.panels.push(next)
            redraw()
          })
        }),
        button('Settings', () => openSettingsEditor(draft!, (s) => ((draft = { ...draft!, ...s }), redraw()))),
        button('Cancel', () => ((editing = false), (draft = undefined), replace(status), redraw())),
        button(
          'Save',
          () => {
            api.saveDashboard(draft!).then(
              (saved) => {
                entry = saved
                editing = false
                draft = undefined
                error.hidden = true
                replace(status, `Saved at ${new Date().toLocaleTimeString()}.`)
                redraw()
              },
              fail,
            )
          },
          'btn primary',
        ),
      )
      return
    }
    const edit = button('Edit', () => {
      draft = structuredClone(entry!.dashboard)
      editing = true
      replace(status, 'Drag a panel by its title to move it, by its corner to resize it (or focus it: arrows move, Shift+arrows resize).')
      redraw()
    })
    if (entry.readOnly) {
      edit.disabled = true
      edit.title = 'Read-only: duplicate it to change a copy'
    }
    replace(
      tools,
      edit,
      button('Duplicate', () => api.duplicateDashboard(entry!.dashboard.id).then((copy) => navigate(linkTo(`/dashboards/${encodeURIComponent(copy.dashboard.id)}`)), fail)),
      button('Export', () => download(`${entry!.dashboard.title.replace(/[^A-Za-z0-9_-]+/g, '-')}.json`, JSON.stringify(entry!.dashboard, null, 2))),
      button('Embed', () => embedDialog(entry!.dashboard, ctx)),
      entry.readOnly
        ? null
        : button(
            'Delete',
            () => {
              if (!confirm(`Delete the dashboard "${entry!.dashboard.title}"?`)) return
              api.deleteDashboard(entry!.dashboard.id).then(() => navigate(linkTo('/dashboards')), fail)
            },
            'btn danger',
          ),
    )
  }

  const load = (): void => {
    api.dashboard(id, ctx.signal, ctx.embed).then(
      (got) => {
        entry = got
        document.title = `${got.dashboard.title} · BlazeDB`
        // The dashboard's own range applies when the link names none.
        if (got.dashboard.time && !ctx.params.has('from') && !ctx.params.has('to') && (got.dashboard.time.from !== ctx.range.from || got.dashboard.time.to !== ctx.range.to)) {
          setParams({ from: got.dashboard.time.from, to: got.dashboard.time.to })
          return
        }
        redraw()
      },
      (e: Error) => !ctx.signal.aborted && fail(e),
    )
  }
  load()
  return {
    update(next) {
      ctx = next
      if (entry === undefined) load()
      else view.update(shown(), ctx, editing)
    },
    dispose: () => view.dispose(),
  }
}
