/**
 * @module dashboards/web/pages/dashboard-embed
 * The Embed dialog: iframe code for the dashboard or one panel, with the current time range,
 * theme and refresh in the URL. The page embedding it must be listed in `embedOrigins`.
 */
import type { Dashboard } from '../../model/dashboard-model.ts'
import { api } from '../api-client.ts'
import { h, replace } from '../dom.ts'
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
  let token = ''
  const draw = (): void => {
    url.value = embedUrl(dashboard, ctx, panel.value, theme.value, refresh.value) + (token ? `#token=${encodeURIComponent(token)}` : '')
    code.value = `<iframe src="${url.value.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" width="800" height="${panel.value ? 300 : 600}" frameborder="0"></iframe>`
  }
  for (const s of [panel, theme, refresh]) s.addEventListener('change', draw)
  draw()
  // Access: with tokens configured, an embed needs an embed token (read, this dashboard only).
  const tokens = h('div', { class: 'embed-tokens' })
  const listTokens = (): void => {
    api.embedTokens(dashboard.id).then(
      (list) =>
        replace(
          tokens,
          h('h3', null, 'Embed tokens'),
          h('p', { class: 'muted small' }, 'An embed token reads this dashboard only. Its secret is shown once, in the URL above, after the #.'),
          h(
            'ul',
            { class: 'token-list' },
            list.map((t) => h('li', null, h('span', null, t.name), h('span', { class: 'muted small' }, ` made ${t.createdAt}`), ' ', h('button', { class: 'btn small danger', attrs: { type: 'button' }, on: { click: () => void api.revokeToken(t.id).then(listTokens) } }, 'Revoke'))),
          ),
          h(
            'button',
            {
              class: 'btn',
              attrs: { type: 'button' },
              on: {
                click: () =>
                  void api.createEmbedToken(dashboard.id, `embed: ${dashboard.title}`.slice(0, 100)).then(
                    (made) => {
                      token = made.token
                      draw()
                      listTokens()
                    },
                    (e: Error) => replace(tokens, h('p', { class: 'error-text' }, e.message)),
                  ),
              },
            },
            'Create embed token',
          ),
        ),
      (e: Error) => replace(tokens, h('p', { class: 'error-text' }, `Embed tokens need the admin scope: ${e.message}`)),
    )
  }
  void api.session().then((s) => (s.open ? replace(tokens, h('p', { class: 'muted small' }, 'This server runs without tokens: the embed needs none.')) : listTokens()))
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
      tokens,
      h('div', { class: 'dialog-actions' }, h('button', { class: 'btn primary', attrs: { type: 'button' }, on: { click: () => dialog.close() } }, 'Close')),
    ),
  )
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
}
