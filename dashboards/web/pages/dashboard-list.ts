/**
 * @module dashboards/web/pages/dashboard-list
 * /dashboards: every dashboard of the tenant (built-in, provisioned, saved), a new empty one,
 * and import from a JSON file or pasted text.
 */
import { api } from '../api-client.ts'
import { h, replace } from '../dom.ts'
import type { PageContext, PageInstance } from '../page.ts'
import { linkTo, navigate } from '../router.ts'

export function dashboardList(root: HTMLElement, ctx: PageContext): PageInstance {
  const list = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'))
  const error = h('div', { class: 'error-box', attrs: { role: 'alert', hidden: true } })
  const fail = (e: Error): void => {
    replace(error, e.message)
    error.hidden = false
  }
  const open = (id: string): void => navigate(linkTo(`/dashboards/${encodeURIComponent(id)}`))
  const create = (): void => {
    api.createDashboard({ title: 'New dashboard', panels: [], variables: [] }).then((e) => open(e.dashboard.id), fail)
  }
  const importText = (text: string): void => {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      return fail(new Error(`cannot import: the file is not JSON (${(e as Error).message})`))
    }
    api.createDashboard(parsed).then((e) => open(e.dashboard.id), fail)
  }
  const file = h('input', { class: 'sr-only', attrs: { type: 'file', accept: 'application/json,.json', 'aria-label': 'Import dashboard JSON file' } })
  file.addEventListener('change', () => void file.files?.[0]?.text().then(importText))
  const paste = h('textarea', { class: 'input mono', attrs: { rows: 6, placeholder: '{"title": "…", "panels": […]}', 'aria-label': 'Dashboard JSON', spellcheck: 'false' } })
  const pasteBox = h(
    'div',
    { class: 'card import-box', attrs: { hidden: true } },
    h('label', null, 'Paste a dashboard exported as JSON', paste),
    h('div', { class: 'toolbar' }, h('button', { class: 'btn primary', attrs: { type: 'button' }, on: { click: () => importText(paste.value) } }, 'Import')),
  )
  root.append(
    h(
      'section',
      { class: 'page narrow' },
      h(
        'div',
        { class: 'dash-head' },
        h('h1', null, 'Dashboards'),
        h(
          'div',
          { class: 'toolbar' },
          h('button', { class: 'btn primary', attrs: { type: 'button' }, on: { click: create } }, 'New dashboard'),
          h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => file.click() } }, 'Import file'),
          h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => (pasteBox.hidden = !pasteBox.hidden) } }, 'Paste JSON'),
          file,
        ),
      ),
      error,
      pasteBox,
      list,
    ),
  )
  api.dashboards(ctx.signal).then(
    (all) =>
      replace(
        list,
        h(
          'ul',
          { class: 'dash-list' },
          all.map((d) =>
            h(
              'li',
              null,
              h('a', { class: 'dash-link', attrs: { href: linkTo(`/dashboards/${encodeURIComponent(d.id)}`) } }, d.title),
              d.readOnly ? h('span', { class: 'badge' }, d.source === 'builtin' ? 'built in' : 'provisioned') : null,
              h('span', { class: 'muted' }, ` ${d.panels} panel${d.panels === 1 ? '' : 's'}`),
              d.description ? h('div', { class: 'muted small' }, d.description) : null,
            ),
          ),
        ),
      ),
    (e: Error) => !ctx.signal.aborted && fail(e),
  )
  return { update() {} }
}
