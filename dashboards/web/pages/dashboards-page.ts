/**
 * @module dashboards/web/pages/dashboards-page
 * Saved dashboards.
 */
import { h } from '../dom.ts'
import type { PageDef } from '../page.ts'

export const DASHBOARDS_PAGE: PageDef = {
  id: 'dashboards',
  title: 'Dashboards',
  usesTime: true,
  mount(root) {
    root.append(h('section', { class: 'page narrow' }, h('h1', null, 'Dashboards'), h('p', { class: 'muted' }, 'Saved dashboards are not built yet.')))
    return { update() {} }
  },
}
