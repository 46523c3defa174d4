/**
 * @module dashboards/web/app
 * The app shell: top bar with navigation, the time-range picker and the theme switch, and the
 * page the URL names. Re-draws the page on navigation, Back/Forward and auto-refresh ticks.
 * On /embed/ URLs the chrome is left out.
 */
import { api, onUnauthenticated, useBearerToken } from './api-client.ts'
import { h, replace } from './dom.ts'
import { showLogin } from './login-page.ts'
import type { PageDef, PageInstance } from './page.ts'
import { PAGES, NOT_FOUND_PAGE } from './pages/registry.ts'
import { currentLocation, interceptLinks, linkTo, navigate, onNavigate, setParams, type Location } from './router.ts'
import { applyTheme, currentTheme, saveTheme, type Theme } from './theme.ts'
import { createTimePicker } from './time-picker.ts'
import { DEFAULT_RANGE, REFRESH_CHOICES, resolveRange, type TimeRange } from './time-range.ts'

/** Keys that jump to a page after `g` (outside text fields), like g e for Explore. */
const JUMP_KEYS: Record<string, string> = { e: 'explore', s: 'services', t: 'traces', l: 'logs', m: 'metrics', d: 'dashboards', a: 'alerts' }

/**
 * Starts the UI: embeds take their token from the URL fragment (#token=...), other pages ask
 * the server whether a sign-in is needed first.
 */
export function startApp(body: HTMLElement): void {
  if (currentLocation().path[0] === 'embed') {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
    if (m !== null) {
      useBearerToken(decodeURIComponent(m[1]))
      // Out of the address bar, so it is not copied along with a link.
      history.replaceState(null, '', location.pathname + location.search)
    }
    startShell(body, true, false)
    return
  }
  api.session().then(
    (s) => {
      if (!s.authenticated) return showLogin(body)
      // Signed out while working (cookie expired, token revoked): ask again.
      onUnauthenticated(() => showLogin(body))
      startShell(body, false, !s.open)
    },
    () => startShell(body, false, false),
  )
}

function startShell(body: HTMLElement, embed: boolean, signedIn: boolean): void {
  const main = h('main', { attrs: { id: 'main', tabindex: -1 } })
  const banner = h('div', { class: 'banner', attrs: { role: 'alert', hidden: true } })
  const picker = createTimePicker({
    setRange: (range) => setParams({ from: range.from, to: range.to }, true),
    setRefresh: (value) => setParams({ refresh: value }),
  })
  const navLinks = PAGES.map((p) => h('a', { class: 'nav-link', attrs: { href: `/${p.id}`, 'data-page': p.id } }, p.title))
  const themeButton = h('button', { class: 'btn icon', attrs: { type: 'button', 'aria-label': 'Switch theme', title: 'Switch light/dark theme' } })
  themeButton.addEventListener('click', () => {
    const next: Theme = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'
    saveTheme(next)
    if (currentLocation().params.has('theme')) setParams({ theme: next })
    else render(currentLocation(), 'url', true)
  })
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', attrs: { href: '/explore' } }, h('span', { class: 'brand-mark', attrs: { 'aria-hidden': 'true' } }), 'BlazeDB'),
    h('nav', { class: 'nav', attrs: { 'aria-label': 'Pages' } }, navLinks),
    h(
      'div',
      { class: 'topbar-tools' },
      picker.el,
      themeButton,
      signedIn ? h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => void api.logout().then(() => location.reload()) } }, 'Sign out') : null,
    ),
  )
  if (embed) {
    document.documentElement.classList.add('embed')
    body.append(banner, main)
  } else {
    body.append(h('a', { class: 'skip-link', attrs: { href: '#main' } }, 'Skip to content'), header, banner, main)
  }
  interceptLinks(body)

  let currentDef: PageDef | undefined
  let instance: PageInstance | undefined
  let controller: AbortController | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let timerMs = 0

  const render = (location: Location, reason: 'enter' | 'url' | 'tick', remount = false): void => {
    const segs = embed ? location.path.slice(1) : location.path
    const def = segs.length === 0 ? PAGES[0] : (PAGES.find((p) => p.id === segs[0]) ?? NOT_FOUND_PAGE)
    const theme = currentTheme(location.params)
    applyTheme(theme)
    replace(themeButton, theme === 'dark' ? '☀' : '☾')
    let range: TimeRange = { from: location.params.get('from') ?? DEFAULT_RANGE.from, to: location.params.get('to') ?? DEFAULT_RANGE.to }
    let resolved = resolveRange(range)
    if (resolved instanceof Error) {
      replace(banner, resolved.message, ' — showing the last hour instead.')
      banner.hidden = false
      range = DEFAULT_RANGE
      resolved = resolveRange(range) as Exclude<typeof resolved, Error>
    } else banner.hidden = true
    const refresh = location.params.get('refresh') ?? ''
    picker.show(range, refresh)
    picker.el.hidden = !def.usesTime
    for (const a of navLinks) {
      if (a.dataset.page === def.id) {
        a.setAttribute('aria-current', 'page')
        // On a phone the navigation scrolls sideways: keep the current page's link in view.
        const nav = a.parentElement!
        const [link, box] = [a.getBoundingClientRect(), nav.getBoundingClientRect()]
        if (link.right > box.right || link.left < box.left) nav.scrollLeft += link.left - box.left - 8
      } else a.removeAttribute('aria-current')
      // Keep the time range when moving between pages.
      a.setAttribute('href', linkTo(`/${a.dataset.page}`))
    }
    document.title = `${def.title} · BlazeDB`

    controller?.abort()
    controller = new AbortController()
    const ctx = {
      rest: segs.slice(1),
      params: location.params,
      range,
      resolved,
      reason: def === currentDef && !remount ? reason : ('enter' as const),
      embed,
      signal: controller.signal,
      setRange: (next: TimeRange) => setParams({ from: next.from, to: next.to }, true),
    }
    if (def !== currentDef || remount) {
      instance?.dispose?.()
      main.replaceChildren()
      currentDef = def
      instance = def.mount(main, ctx)
    } else instance?.update(ctx)

    const ms = REFRESH_CHOICES.find((c) => c.value === refresh)?.ms ?? 0
    if (ms !== timerMs) {
      if (timer !== undefined) clearInterval(timer)
      timer = ms > 0 ? setInterval(() => document.hidden || render(currentLocation(), 'tick'), ms) : undefined
      timerMs = ms
    }
  }

  let pendingG = false
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement
    if (embed || e.ctrlKey || e.metaKey || e.altKey || t.closest('input, textarea, select, [contenteditable]')) return
    if (pendingG && JUMP_KEYS[e.key]) {
      pendingG = false
      e.preventDefault()
      navigate(linkTo(`/${JUMP_KEYS[e.key]}`))
      return
    }
    pendingG = e.key === 'g'
  })
  onNavigate((location) => render(location, 'url'))
  render(currentLocation(), 'enter')
}
