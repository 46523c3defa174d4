/**
 * @module dashboards/web/pages/registry
 * Every page, in navigation order. The first is the home page (`/`). To add a page, write
 * pages/<name>-page.ts exporting a PageDef and list it here (dashboards/README.md).
 */
import type { PageDef } from '../page.ts'
import { ALERTS_PAGE } from './alerts-page.ts'
import { h } from '../dom.ts'
import { DASHBOARDS_PAGE } from './dashboards-page.ts'
import { EXPLORE_PAGE } from './explore-page.ts'
import { LOGS_PAGE } from './logs-page.ts'
import { METRICS_PAGE } from './metrics-page.ts'
import { SERVICES_PAGE } from './services-page.ts'
import { TRACES_PAGE } from './traces-page.ts'

export const PAGES: readonly PageDef[] = [
  EXPLORE_PAGE,
  SERVICES_PAGE,
  TRACES_PAGE,
  LOGS_PAGE,
  METRICS_PAGE,
  DASHBOARDS_PAGE,
  ALERTS_PAGE,
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
