/**
 * @module dashboards/web/pages/span-details
 * The chosen span of a waterfall: name, service, ids, kind, status (and its message), timing,
 * then its attributes, resource and scope, events (with offsets from the span's start) and
 * links to other traces. Every key and value is text.
 */
import type { SpanNode } from '../api-client.ts'
import { h, type Child } from '../dom.ts'
import { formatDurationNs } from '../format.ts'
import { linkTo } from '../router.ts'

interface OtlpEvent {
  timeUnixNano?: string
  name?: string
  attributes?: Record<string, unknown>
}

interface OtlpLink {
  traceId?: string
  spanId?: string
  attributes?: Record<string, unknown>
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

function kvTable(caption: string, entries: [string, unknown][]): HTMLElement | null {
  if (entries.length === 0) return null
  return h(
    'table',
    { class: 'kv' },
    h('caption', null, caption),
    h('tbody', null, entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => h('tr', null, h('th', { attrs: { scope: 'row' } }, k), h('td', null, text(v))))),
  )
}

/** Fields of `node` whose name starts with `prefix`, the prefix removed. */
function withPrefix(node: SpanNode, prefix: string): [string, unknown][] {
  return Object.entries(node).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])
}

export function spanDetails(node: SpanNode, startMs: number): HTMLElement {
  const status = String(node.status ?? 'unset')
  const events = Array.isArray(node.events) ? (node.events as OtlpEvent[]) : []
  const links = Array.isArray(node.links) ? (node.links as OtlpLink[]) : []
  const facts: [string, Child][] = [
    ['service', String(node['resource.service.name'] ?? '')],
    ['span id', String(node.span_id ?? '')],
    ['parent', String(node.parent_span_id ?? '—')],
    ['kind', String(node.kind ?? '')],
    ['duration', formatDurationNs(Number(node.duration ?? 0))],
    ['start', String(node.time ?? '')],
    ['status', h('span', { class: `st-${status}` }, status, node.status_message ? `: ${text(node.status_message)}` : '')],
  ]
  return h(
    'div',
    { class: 'span-details' },
    h('h2', null, String(node.name ?? '')),
    h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    kvTable('Attributes', withPrefix(node, 'attr.')),
    h(
      'section',
      null,
      h('h3', null, `Events (${events.length})`),
      events.length === 0
        ? null
        : h(
            'ol',
            { class: 'ev-list' },
            events.map((e) => {
              const at = e.timeUnixNano ? Number(BigInt(e.timeUnixNano) / 1000n) / 1000 - startMs : undefined
              return h('li', { class: e.name === 'exception' ? 'ev exception' : 'ev' }, h('strong', null, String(e.name ?? '')), at === undefined ? null : h('span', { class: 'muted' }, ` at +${formatDurationNs(at * 1e6)}`), kvTable('Event attributes', Object.entries(e.attributes ?? {})))
            }),
          ),
    ),
    h(
      'section',
      null,
      h('h3', null, `Links (${links.length})`),
      links.length === 0
        ? null
        : h(
            'ul',
            { class: 'ev-list' },
            links.map((l) => h('li', null, l.traceId && /^[0-9a-f]{32}$/i.test(l.traceId) ? h('a', { attrs: { href: linkTo(`/traces/${l.traceId}`, l.spanId ? { span: l.spanId } : {}) } }, `trace ${l.traceId}`) : text(l.traceId ?? ''), l.spanId ? h('span', { class: 'muted' }, ` span ${l.spanId}`) : null, kvTable('Link attributes', Object.entries(l.attributes ?? {})))),
          ),
    ),
    kvTable('Resource', withPrefix(node, 'resource.')),
    kvTable('Scope', [...withPrefix(node, 'scope.'), ...(node.trace_state ? [['trace_state', node.trace_state] as [string, unknown]] : [])]),
  )
}
