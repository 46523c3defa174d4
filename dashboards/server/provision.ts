/**
 * @module dashboards/server/provision
 * Dashboards provisioned from JSON files at start (the `dashboardsDir` setting): every
 * `*.json` file of the directory is one dashboard, read-only in the UI and the API. Its id is
 * the file's `id`, or the file name without `.json`. A bad file stops the server with a message
 * naming it, rather than starting without the dashboard.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { DashboardsError } from '../errors.ts'
import { validateDashboard, type Dashboard } from '../model/dashboard-model.ts'

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/**
 * Reads the dashboards of `dir`, sorted by file name.
 * @example loadProvisionedDashboards('/etc/blazedb/dashboards')
 */
export function loadProvisionedDashboards(dir: string): Dashboard[] {
  let files: string[]
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  } catch (error) {
    throw new DashboardsError('INVALID_ARGUMENT', `cannot provision dashboards from ${dir}: ${(error as Error).message}`, { cause: error })
  }
  const seen = new Map<string, string>()
  return files.map((file) => {
    const path = join(dir, file)
    let dashboard: Dashboard
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
      dashboard = validateDashboard(parsed)
      dashboard.id = typeof parsed.id === 'string' && parsed.id !== '' ? parsed.id : basename(file, '.json')
    } catch (error) {
      throw new DashboardsError('INVALID_ARGUMENT', `cannot provision dashboard ${path}: ${(error as Error).message}`, { cause: error })
    }
    if (!ID.test(dashboard.id)) throw new DashboardsError('INVALID_ARGUMENT', `cannot provision dashboard ${path}: id ${JSON.stringify(dashboard.id)} must be letters, digits, ".", "_" or "-"`)
    const other = seen.get(dashboard.id)
    if (other !== undefined) throw new DashboardsError('INVALID_ARGUMENT', `cannot provision dashboard ${path}: id ${JSON.stringify(dashboard.id)} is also the id of ${other}`)
    seen.set(dashboard.id, path)
    return dashboard
  })
}
