/**
 * @module dashboards/web/pages/dashboard-embed
 * The Embed dialog: iframe code for the dashboard or one panel, with the current time range,
 * theme and refresh in the URL. The page embedding it must be listed in `embedOrigins`.
 */
import type { Dashboard } from '../../model/dashboard-model.ts'
import { h } from '../dom.ts'
import type { PageContext } from '../page.ts'

export function embedUrl(dashboard: Dashboard, ctx: PageContext, panel: string, theme: string, refresh: string): string {
  const path = `/embed/dashboards/${encodeURIComponent(dashboard.id)}${panel ? `/panels/${encodeURIComponent(panel)}` : ''}`
  const params = new URLSearchParams({ from: ctx.range.from, to: ctx.range.to, theme })
  if (refresh) params.set('refresh', refresh)
  for (const [k, v] of ctx.params) if (k.startsWith('var-')) params.set(k, v)
  return `${location.origin}${path}?${params}`
}

export function embedDialog(dashboard: Dashboard, ctx: PageContext): void {
  const panel = h('select', { class: 'input', attrs: { name: 'panel' } }, h('option', { attrs: { value: '' } }, 'Whole dashboard'), dashboard.panels.map((p) => h('option', { attrs: { value: p.id } }, p.title)))
  const theme = h('select', { class: 'input', attrs: { name: 'theme' } }, h('option', { attrs: { value: 'light' } }, 'Light'), h('option', { attrs: { value: 'dark' } }, 'Dark'))
  theme.value = document.documentElement.dataset.theme ?? 'light'
  const refresh = h('select', { class: 'input', attrs: { name: 'refresh' } }, ['', '10s', '30s', '1m', '5m'].map((v) => h('option', { attrs: { value: v } }, v || 'No refresh')))
  refresh.value = '30s'
  const url = h('input', { class: 'input mono', attrs: { readonly: true, 'aria-label': 'Embed URL' } })
  const code = h('textarea', { class: 'input mono', attrs: { readonly: true, rows: 3, 'aria-label': 'iframe code' } })
  const draw = (): void => {
    url.value = embedUrl(dashboard, ctx, panel.value, theme.value, refresh.value)
    code.value = `<iframe src="${url.value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" width="800" height="${panel.value ? 300 : 600}" frameborder="0"></iframe>`
  }
  for (const s of [panel, theme, refresh]) s.addEventListener('change', draw)
  draw()
  const dialog = h(
    'dialog',
    { class: 'dialog wide', attrs: { 'aria-label': 'Embed' } },
    h(
      'div',
      { class: 'dialog-form' },
      h('h2', null, 'Embed'),
      h('div', { class: 'form-row' }, h('label', { class: 'grow' }, 'Show', panel), h('label', null, 'Theme', theme), h('label', null, 'Refresh', refresh)),
      h('label', null, 'URL', url),
      h('label', null, 'HTML', code),
      h('p', { class: 'muted small' }, 'The embedding site must be listed in the server setting embedOrigins (Content-Security-Policy frame-ancestors).'),
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn primary', attrs: { type: 'button' }, on: { click: () => dialog.close() } }, 'Close')),
    ),
  )
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
}
