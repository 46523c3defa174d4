/**
 * @module dashboards/web/pages/logs-search
 * The Logs page's filters as URL state and as queries: text in the body (any case), minimum
 * severity, service, and a free `where` condition in the query language.
 * URL keys: text, sev (1..24), service, filter, live (1: live tail).
 */
import { quote, whereClause } from '../query-text.ts'

export interface LogFilters {
  text: string
  sev: string
  service: string
  filter: string
}

/** Records one search lists (newest first), and the most the live tail keeps on screen. */
export const LIST_LIMIT = 200
export const LIVE_KEEP = 1000

export function logFiltersFrom(params: URLSearchParams): LogFilters {
  const sev = params.get('sev') ?? ''
  return { text: params.get('text') ?? '', sev: /^\d{1,2}$/.test(sev) ? sev : '', service: params.get('service') ?? '', filter: params.get('filter') ?? '' }
}

/** `logs | where ...`: the filter every Logs query and the live tail share. */
export function logsFilter(f: LogFilters): string {
  const where: string[] = []
  if (f.text) where.push(`lower(body) contains ${quote(f.text.toLowerCase())}`)
  if (f.sev) where.push(`severity >= ${Number(f.sev)}`)
  if (f.service) where.push(`resource.service.name = ${quote(f.service)}`)
  if (f.filter.trim()) where.push(`(${f.filter.trim()})`)
  return `logs${whereClause(where)}`
}

/** Counts per bucket by severity class; info is what the others leave (absent severities too). */
export function histogramQuery(f: LogFilters, width: string): string {
  return `${logsFilter(f)} | stats count() as total, countif(severity >= 17) as error, countif(severity >= 13 and severity < 17) as warn, countif(severity >= 1 and severity < 9) as debug by bin(time, ${width})`
}
