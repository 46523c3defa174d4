/**
 * @module dashboards/web/pages/trace-search
 * The Traces page's search as URL state and as a query: service, operation, duration range,
 * status and attribute filters (`key=value`, several separated by spaces or commas).
 * URL keys: service, op, min, max (durations like 250ms), status (error|ok|unset), attrs,
 * sort (recent|slowest).
 */
import { durationText, fieldPath, quote, valueLiteral, whereClause } from '../query-text.ts'

export interface TraceFilters {
  service: string
  op: string
  min: string
  max: string
  status: string
  attrs: string
  sort: 'recent' | 'slowest'
}

/** Most spans one search lists: enough for a dense scatter, few enough to draw at once. */
export const SEARCH_LIMIT = 500

export const STATUSES = ['', 'error', 'ok', 'unset'] as const

export function filtersFrom(params: URLSearchParams): TraceFilters {
  const status = params.get('status') ?? ''
  return {
    service: params.get('service') ?? '',
    op: params.get('op') ?? '',
    min: params.get('min') ?? '',
    max: params.get('max') ?? '',
    status: (STATUSES as readonly string[]).includes(status) ? status : '',
    attrs: params.get('attrs') ?? '',
    sort: params.get('sort') === 'slowest' ? 'slowest' : 'recent',
  }
}

/** `key=value` pairs of the attribute filter, or an Error naming the part it cannot read. */
export function parseAttrs(text: string): { key: string; value: string }[] | Error {
  const out: { key: string; value: string }[] = []
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const eq = part.indexOf('=')
    if (eq <= 0) return new Error(`cannot read attribute filter ${JSON.stringify(part)}: expected key=value, like http.route=/checkout`)
    out.push({ key: part.slice(0, eq), value: part.slice(eq + 1) })
  }
  return out
}

/** The search as a query, or an Error saying which filter is wrong. */
export function searchQuery(f: TraceFilters): string | Error {
  const where: string[] = []
  if (f.service) where.push(`resource.service.name = ${quote(f.service)}`)
  if (f.op) where.push(`name = ${quote(f.op)}`)
  for (const [key, text, cmp] of [['min', f.min, '>='], ['max', f.max, '<=']] as const) {
    if (!text) continue
    const d = durationText(text)
    if (d === undefined) return new Error(`cannot read ${key === 'min' ? 'minimum' : 'maximum'} duration ${JSON.stringify(text)}: expected a number and a unit, like 250ms or 1.5s`)
    where.push(`duration ${cmp} ${d}`)
  }
  if (f.status) where.push(`status = ${quote(f.status)}`)
  const attrs = parseAttrs(f.attrs)
  if (attrs instanceof Error) return attrs
  for (const { key, value } of attrs) {
    const field = fieldPath(key)
    if (field === undefined) return new Error(`cannot filter on attribute ${JSON.stringify(key)}: the name cannot be written in a query`)
    where.push(`${field} = ${valueLiteral(value)}`)
  }
  // Without any filter, list traces by their root spans, not every span of every trace.
  if (where.length === 0) where.push('not exists(parent_span_id)')
  const order = f.sort === 'slowest' ? 'duration desc' : 'time desc'
  return `spans${whereClause(where)} | sort ${order} | limit ${SEARCH_LIMIT} | select time, trace_id, span_id, resource.service.name as service, name, duration, status`
}
