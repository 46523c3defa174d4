/**
 * @module dashboards/web/pages/placeholder-page
 * A page whose own view is not built yet: it says so and offers its data in Explore.
 */
import { h } from '../dom.ts'
import type { PageDef } from '../page.ts'
import { linkTo } from '../router.ts'

export function placeholderPage(id: string, title: string, query: string): PageDef {
  return {
    id,
    title,
    usesTime: true,
    mount(root) {
      root.append(
        h(
          'section',
          { class: 'page narrow' },
          h('h1', null, title),
          h('p', { class: 'muted' }, `The ${title} view is not built yet. Its data is one query away in Explore:`),
          h('pre', { class: 'code' }, query),
          h('a', { class: 'btn primary', attrs: { href: linkTo('/explore', { q: query }) } }, 'Open in Explore'),
        ),
      )
      return { update() {} }
    },
  }
}
