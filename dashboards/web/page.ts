/**
 * @module dashboards/web/page
 * What a page is: the app mounts it when its URL is entered, calls `update` when the URL's
 * query string, the time range or the auto-refresh tick changes, and `dispose` when leaving.
 */
import type { ResolvedRange, TimeRange } from './time-range.ts'

export interface PageContext {
  /** Path segments after the page's own: /traces/abc -> ['abc']. */
  readonly rest: string[]
  readonly params: URLSearchParams
  /** The time range as written in the URL, and resolved to milliseconds now. */
  readonly range: TimeRange
  readonly resolved: ResolvedRange
  /** Why the page is asked to draw: entered, the URL changed, or an auto-refresh tick. */
  readonly reason: 'enter' | 'url' | 'tick'
  /** True on /embed/ pages: no navigation chrome. */
  readonly embed: boolean
  /** Sets a new time range (a history entry): used by chart zoom. */
  setRange(range: TimeRange): void
  /** Aborted when the page is updated again or left: pass to fetches. */
  readonly signal: AbortSignal
}

export interface PageInstance {
  update(ctx: PageContext): void
  dispose?(): void
}

export interface PageDef {
  /** First path segment: 'explore' for /explore. */
  readonly id: string
  readonly title: string
  /** Pages without a time range (e.g. the list of dashboards) hide the picker. */
  readonly usesTime: boolean
  mount(root: HTMLElement, ctx: PageContext): PageInstance
}
