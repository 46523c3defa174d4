/**
 * @module dashboards/web/login-page
 * Asked for when the server has tokens and the browser holds no valid sign-in cookie: the token
 * is posted to /ui/login, which keeps it in an HttpOnly cookie (scripts never see it again).
 */
import { api } from './api-client.ts'
import { h, replace } from './dom.ts'

export function showLogin(body: HTMLElement): void {
  // Several calls may be refused at once: one form.
  if (body.querySelector('form.login') !== null) return
  const token = h('input', { class: 'input', attrs: { type: 'password', name: 'token', autocomplete: 'current-password', required: true, 'aria-label': 'Token' } })
  const error = h('div', { class: 'error-text', attrs: { role: 'alert' } })
  const form = h(
    'form',
    {
      class: 'card login',
      on: {
        submit: (e) => {
          e.preventDefault()
          replace(error)
          api.login(token.value.trim()).then(
            () => location.reload(),
            (err: Error) => replace(error, err.message),
          )
        },
      },
    },
    h('h1', null, h('span', { class: 'brand-mark', attrs: { 'aria-hidden': 'true' } }), ' BlazeDB'),
    h('p', { class: 'muted' }, 'This server needs a token with the read scope. It is kept in a cookie of this site only.'),
    h('label', null, 'Token', token),
    error,
    h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Sign in'),
  )
  document.title = 'Sign in · BlazeDB'
  body.replaceChildren(h('main', { attrs: { id: 'main' } }, form))
  token.focus()
}
