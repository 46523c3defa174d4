/**
 * @module dashboards/server/embed-access
 * What an embed token (a `read` token restricted to one dashboard, access/README.md) may reach:
 * that dashboard, and the queries its panels and variables run. Panel queries are run with
 * variables replaced by quoted strings (`$service` → `"checkout"`), so a query is allowed when
 * it is a panel's text with each `$name` replaced by one string literal, or a variable's query
 * exactly. Catalog lists and trace lookups are refused: an embed shows panels only.
 */
import type { Principal, Resource } from '../../access/index.ts'
import type { Dashboard } from '../model/dashboard-model.ts'
import type { DashboardRepo } from './dashboard-repo.ts'

/** A query-language string literal in double quotes (what quoteValue makes). */
const STRING_LITERAL = '"(?:[^"\\\\\\n]|\\\\.)*"'

/** A matcher for the texts a query template may become once its variables are substituted. */
export function templateMatcher(template: string): RegExp {
  const parts = template.split(/(\$[A-Za-z_][A-Za-z0-9_]*)/)
  const source = parts.map((p, i) => (i % 2 === 1 ? `(?:${STRING_LITERAL}|\\${p})` : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')
  return new RegExp(`^${source}$`)
}

/** True when `text` is a query the dashboard runs. */
export function dashboardRuns(dashboard: Dashboard, text: string): boolean {
  if (dashboard.variables.some((v) => v.query === text)) return true
  return dashboard.panels.some((p) => templateMatcher(p.query).test(text))
}

/** The resource check the server installs with Access.setResourceCheck. */
export function embedResourceCheck(repo: DashboardRepo): (principal: Principal, resource: Resource) => Promise<boolean> {
  return async (principal, resource) => {
    const id = principal.restrictions.dashboard
    if (id === undefined) return false
    if (resource.kind === 'dashboard') return resource.id === id
    if (resource.kind !== 'query') return false
    try {
      const { dashboard } = await repo.get(principal.tenant, id)
      return dashboardRuns(dashboard, resource.text)
    } catch {
      // The dashboard is gone: its token reaches nothing.
      return false
    }
  }
}
