/**
 * @module dashboards/web/dashboard/dashboard-view
 * A dashboard drawn: variable pickers, then its panels on the grid, each running its query
 * (variables substituted) over the page's time range. Repeated panels appear once per value.
 * In edit mode panels are moved and resized on the grid (grid-layout.ts) and edited or removed
 * through their header buttons; repeats show as one panel then.
 */
import { substituteVariables, type Dashboard, type Panel } from '../../model/dashboard-model.ts'
import { api, type QueryResult } from '../api-client.ts'
import { h, replace } from '../dom.ts'
import type { PageContext } from '../page.ts'
import { absolutePoint } from '../time-range.ts'
import { compact, makeEditable, placeElement, repeatGrids, type Grid } from './grid-layout.ts'
import { PANEL_KINDS, type Drawn } from './panel-kinds.ts'
import { loadVariables, variableBar, variableValues } from './variables.ts'

interface Instance {
  panel: Panel
  /** Position of this copy; for the original in edit mode, the panel's own grid. */
  grid: Grid
  values: Record<string, string | undefined>
  el: HTMLElement
  body: HTMLElement
  drawn?: Drawn
}

export interface DashboardViewHandlers {
  editPanel(panel: Panel): void
  removePanel(panel: Panel): void
  /** Layout changed while editing. */
  changed(): void
}

export interface DashboardView {
  readonly el: HTMLElement
  /** Draws `dashboard` (re-creating panels), or only refreshes data on a tick. */
  update(dashboard: Dashboard, ctx: PageContext, editing: boolean): void
  dispose(): void
}

export function createDashboardView(handlers: DashboardViewHandlers, only?: string): DashboardView {
  const vars = h('div')
  const grid = h('div', { class: `dash-grid${only ? ' single' : ''}` })
  const el = h('div', { class: 'dash' }, vars, grid)
  let instances: Instance[] = []
  let seq = 0

  /** Queries of panels without variables, started while the variables load; each used once. */
  let prefetched = new Map<string, Promise<QueryResult>>()

  const load = (inst: Instance, ctx: PageContext): void => {
    const query = substituteVariables(inst.panel.query, inst.values)
    if (inst.drawn === undefined) replace(inst.body, h('div', { class: 'panel-empty muted' }, 'Loading…'))
    inst.el.classList.add('loading')
    const early = prefetched.get(query)
    prefetched.delete(query)
    ;(early ?? api.query(query, ctx.resolved, ctx.signal)).then(
      (result) => {
        inst.drawn?.destroy?.()
        inst.drawn = PANEL_KINDS[inst.panel.type].draw(result, inst.panel, {
          range: ctx.resolved,
          embed: ctx.embed,
          onZoom: (s, e) => ctx.setRange({ from: absolutePoint(s), to: absolutePoint(e) }),
        })
        replace(inst.body, inst.drawn.el)
        inst.el.classList.remove('loading')
      },
      (error: Error) => {
        if (ctx.signal.aborted) return
        inst.drawn?.destroy?.()
        inst.drawn = undefined
        replace(inst.body, h('div', { class: 'panel-error', attrs: { role: 'alert' } }, error.message))
        inst.el.classList.remove('loading')
      },
    )
  }

  const build = (dashboard: Dashboard, ctx: PageContext, editing: boolean, values: Record<string, string | undefined>, repeatValues: Record<string, string[]>): void => {
    for (const i of instances) i.drawn?.destroy?.()
    instances = []
    grid.replaceChildren()
    grid.classList.toggle('editing', editing)
    for (const panel of dashboard.panels) {
      if (only !== undefined && panel.id !== only) continue
      const over = panel.repeat && !editing ? (repeatValues[panel.repeat] ?? []) : undefined
      const copies = over === undefined ? [{ grid: panel.grid, values, suffix: '' }] : repeatGrids(panel.grid, over.length).map((g, i) => ({ grid: g, values: { ...values, [panel.repeat!]: over[i] }, suffix: over[i] }))
      for (const copy of copies) {
        const body = h('div', { class: 'panel-body' })
        // "$service" in a title shows the value, as text.
        const text = panel.title.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => copy.values[name] ?? whole)
        const title = h('h2', { class: 'panel-title', attrs: { title: text } }, text, copy.suffix ? h('span', { class: 'muted' }, ` · ${copy.suffix}`) : null)
        const tools = editing
          ? h(
              'div',
              { class: 'panel-tools' },
              h('button', { class: 'btn small', attrs: { type: 'button', 'aria-label': `Edit panel ${panel.title}` }, on: { click: () => handlers.editPanel(panel) } }, 'Edit'),
              h('button', { class: 'btn small danger', attrs: { type: 'button', 'aria-label': `Remove panel ${panel.title}` }, on: { click: () => handlers.removePanel(panel) } }, 'Remove'),
            )
          : null
        const header = h('header', { class: 'panel-header' }, title, tools)
        const corner = h('span', { class: 'panel-resize', attrs: { 'aria-hidden': 'true', title: 'Drag to resize' } })
        const panelEl = h('section', { class: `panel panel-${panel.type}`, attrs: { 'data-panel': panel.id, 'aria-label': panel.title, tabindex: editing ? 0 : undefined } }, header, body, editing ? corner : null)
        const inst: Instance = { panel, grid: { ...copy.grid }, values: copy.values, el: panelEl, body }
        instances.push(inst)
        grid.append(panelEl)
        if (editing) {
          makeEditable(grid, inst, header, corner, {
            items: () => instances,
            elementOf: (i) => i.el,
            changed: () => {
              for (const i of instances) i.panel.grid = { ...i.grid }
              handlers.changed()
            },
          })
        }
      }
    }
    if (only === undefined) compact(instances)
    for (const inst of instances) {
      if (only === undefined) placeElement(inst.el, inst.grid)
      load(inst, ctx)
    }
    if (instances.length === 0) grid.append(h('p', { class: 'muted panel-none' }, only ? 'This dashboard has no such panel.' : editing ? 'No panels yet: add one.' : 'This dashboard has no panels yet.'))
  }

  return {
    el,
    update(dashboard, ctx, editing) {
      const mine = ++seq
      if (ctx.reason === 'tick' && instances.length > 0) {
        for (const inst of instances) load(inst, ctx)
        return
      }
      prefetched = new Map()
      if (!editing) {
        for (const p of dashboard.panels) {
          if (p.query.includes('$') || (only !== undefined && p.id !== only) || prefetched.has(p.query)) continue
          const early = api.query(p.query, ctx.resolved, ctx.signal)
          early.catch(() => {}) // reported when the panel takes it
          prefetched.set(p.query, early)
        }
      }
      void loadVariables(dashboard.variables, ctx.params, ctx.resolved, ctx.signal).then((states) => {
        if (mine !== seq) return
        replace(vars, states.length > 0 && only === undefined ? variableBar(states) : null)
        build(dashboard, ctx, editing, variableValues(states), Object.fromEntries(states.map((s) => [s.variable.name, s.values])))
      })
    },
    dispose() {
      for (const i of instances) i.drawn?.destroy?.()
    },
  }
}
