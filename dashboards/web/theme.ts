/**
 * @module dashboards/web/theme
 * Light and dark themes: `?theme=light|dark` in the URL wins (embeds set it), then the user's
 * choice kept in localStorage, then the system's preference.
 */

export type Theme = 'light' | 'dark'
const KEY = 'blazedb.theme'

function stored(): Theme | undefined {
  try {
    const v = localStorage.getItem(KEY)
    return v === 'light' || v === 'dark' ? v : undefined
  } catch {
    return undefined
  }
}

export function currentTheme(params: URLSearchParams): Theme {
  const asked = params.get('theme')
  if (asked === 'light' || asked === 'dark') return asked
  return stored() ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light')
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme
}

/** Remembers the user's choice. */
export function saveTheme(theme: Theme): void {
  try {
    localStorage.setItem(KEY, theme)
  } catch {
    // storage disabled (private mode, sandboxed iframe): the choice lasts for this page only
  }
}
