/**
 * @module dashboards/web/log-row
 * One log record as a list row: time, severity (coloured), service, body with the searched
 * text marked, and a link to its trace. Records come from query rows read by column name.
 */
import { h, type Child } from './dom.ts'
import { linkTo } from './router.ts'
import { severityClass } from './severity.ts'
import { formatLocal } from './time-range.ts'

export interface LogRecord {
  time: string
  severity?: number
  severityText?: string
  body: unknown
  service?: string
  traceId?: string
  spanId?: string
}

/** Columns every log list asks for, in this order (see `readLogs`). */
export const LOG_COLUMNS = 'time, severity, severity_text, body, resource.service.name as service, trace_id, span_id'

/** Log records of a result whose columns are LOG_COLUMNS (by name, so order does not matter). */
export function readLogs(result: { columns: { name: string }[]; rows: unknown[][] }): LogRecord[] {
  const at = (name: string): number => result.columns.findIndex((c) => c.name === name)
  const [t, s, st, b, tr, sp] = ['time', 'severity', 'severity_text', 'body', 'trace_id', 'span_id'].map(at)
  // Raw rows (live tail) name the service by its full field name.
  const sv = at('service') >= 0 ? at('service') : at('resource.service.name')
  const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v))
  return result.rows.map((r) => ({
    time: String(r[t]),
    severity: typeof r[s] === 'number' ? (r[s] as number) : undefined,
    severityText: str(r[st]),
    body: b >= 0 ? r[b] : undefined,
    service: str(r[sv]),
    traceId: str(r[tr]),
    spanId: str(r[sp]),
  }))
}

/** `text` with every case-insensitive occurrence of `term` in a <mark>. */
export function highlight(text: string, term: string | undefined): Child[] {
  if (!term) return [text]
  const out: Child[] = []
  const lower = text.toLowerCase()
  const needle = term.toLowerCase()
  let from = 0
  for (let at = lower.indexOf(needle); at >= 0 && needle.length > 0; at = lower.indexOf(needle, from)) {
    if (at > from) out.push(text.slice(from, at))
    out.push(h('mark', null, text.slice(at, at + needle.length)))
    from = at + needle.length
  }
  if (from < text.length) out.push(text.slice(from))
  return out
}

export function logRow(rec: LogRecord, options: { term?: string; showService?: boolean; onSpan?: (spanId: string) => void } = {}): HTMLElement {
  const cls = severityClass(rec.severity)
  const body = typeof rec.body === 'string' ? rec.body : JSON.stringify(rec.body ?? null)
  const ms = Date.parse(rec.time)
  const traceLink =
    rec.traceId === undefined
      ? null
      : options.onSpan && rec.spanId
        ? h('button', { class: 'link-btn lg-trace', attrs: { type: 'button', title: 'Show the span of this record' }, on: { click: () => options.onSpan!(rec.spanId!) } }, 'show span')
        : h('a', { class: 'lg-trace', attrs: { href: linkTo(`/traces/${encodeURIComponent(rec.traceId)}`, rec.spanId ? { span: rec.spanId } : {}), title: `Trace ${rec.traceId}` } }, 'trace')
  return h(
    'li',
    { class: `lg-row lg-${cls}` },
    h('time', { class: 'lg-time', attrs: { datetime: rec.time, title: rec.time } }, Number.isNaN(ms) ? rec.time : formatLocal(ms)),
    h('span', { class: `lg-sev sev-${cls}` }, rec.severityText || cls.toUpperCase()),
    options.showService === false || rec.service === undefined ? null : h('span', { class: 'lg-service' }, rec.service),
    h('span', { class: 'lg-body' }, highlight(body, options.term)),
    traceLink,
  )
}
