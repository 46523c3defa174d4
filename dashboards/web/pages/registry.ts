/**
 * @module dashboards/web/pages/registry
 * Every page, in navigation order. The first is the home page (`/`). To add a page, write
 * pages/<name>-page.ts exporting a PageDef and list it here (dashboards/README.md).
 */
import type { PageDef } from '../page.ts'
import { h } from '../dom.ts'
import { DASHBOARDS_PAGE } from './dashboards-page.ts'
import { EXPLORE_PAGE } from './explore-page.ts'
import { placeholderPage } from './placeholder-page.ts'

export const PAGES: readonly PageDef[] = [
  EXPLORE_PAGE,
  placeholderPage('services', 'Services', 'spans | stats count(), countif(status = "error") as errors, p95(duration) by service.name'),
  placeholderPage('traces', 'Traces', 'spans | where parent_span_id = null | sort duration desc | limit 50'),
  placeholderPage('logs', 'Logs', 'logs | sort time desc | limit 100'),
  placeholderPage('metrics', 'Metrics', 'metrics | stats count() by metric.name'),
  DASHBOARDS_PAGE,
]

export const NOT_FOUND_PAGE: PageDef = {
  id: 'not-found',
  title: 'Not found',
  usesTime: false,
  mount(root) {
    root.append(h('section', { class: 'page narrow' }, h('h1', null, 'Page not found'), h('p', null, 'No page has this address. ', h('a', { attrs: { href: '/explore' } }, 'Go to Explore'), '.')))
    return { update() {} }
  },
}
