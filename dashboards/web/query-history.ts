/**
 * @module dashboards/web/query-history
 * The queries a user ran, newest first, kept in this browser (localStorage).
 */

const KEY = 'blazedb.queryHistory'
/** Entries kept: enough to find yesterday's query, small enough to scan by eye. */
export const HISTORY_SIZE = 50

export function loadHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}

export function rememberQuery(query: string): void {
  const list = [query, ...loadHistory().filter((q) => q !== query)].slice(0, HISTORY_SIZE)
  try {
    localStorage.setItem(KEY, JSON.stringify(list))
  } catch {
    // storage disabled: no history
  }
}
