/**
 * @module dashboards/web/router
 * Client-side routing over the History API. A page's state lives in the URL's query string, so
 * every view is a shareable link; a change that should be undoable (a new time range, a run
 * query) pushes a history entry, so Back and Forward walk through them.
 */

export interface Location {
  /** Path segments, decoded: /traces/abc -> ['traces', 'abc']. */
  readonly path: string[]
  readonly params: URLSearchParams
}

type Listener = (location: Location) => void
const listeners: Listener[] = []

export function currentLocation(): Location {
  const path = window.location.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  return { path, params: new URLSearchParams(window.location.search) }
}

function notify(): void {
  const location = currentLocation()
  for (const listener of listeners) listener(location)
}

/** Calls `listener` after every navigation, including Back and Forward. */
export function onNavigate(listener: Listener): void {
  listeners.push(listener)
}

/** Goes to a same-origin URL; `replace` changes the current entry instead of adding one. */
export function navigate(href: string, replace = false): void {
  const url = new URL(href, window.location.href)
  if (url.origin !== window.location.origin) throw new Error(`cannot navigate to ${href}: not this site`)
  const target = url.pathname + url.search + url.hash
  if (target === window.location.pathname + window.location.search + window.location.hash) return
  if (replace) history.replaceState(null, '', target)
  else history.pushState(null, '', target)
  notify()
}

/** Merges `patch` into the query string (undefined or '' removes a key). */
export function setParams(patch: Record<string, string | undefined>, push = false): void {
  const params = new URLSearchParams(window.location.search)
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || value === '') params.delete(key)
    else params.set(key, value)
  }
  const search = params.toString()
  navigate(window.location.pathname + (search ? `?${search}` : ''), !push)
}

/** A URL for `path` keeping the time range and theme of the current one, plus `params`. */
export function linkTo(path: string, params: Record<string, string | undefined> = {}): string {
  const here = new URLSearchParams(window.location.search)
  const next = new URLSearchParams()
  for (const key of ['from', 'to', 'refresh', 'theme']) {
    const v = here.get(key)
    if (v !== null) next.set(key, v)
  }
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') next.set(key, value)
  const search = next.toString()
  return path + (search ? `?${search}` : '')
}

/** Same-origin link clicks (without modifier keys) navigate in place. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const a = (event.target as Element).closest('a')
    if (a === null || a.target === '_blank' || a.hasAttribute('download')) return
    const url = new URL(a.href, window.location.href)
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return
    event.preventDefault()
    navigate(url.pathname + url.search + url.hash)
  })
  window.addEventListener('popstate', notify)
}
