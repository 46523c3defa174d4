/**
 * @module dashboards/web/api-client
 * Typed calls to the HTTP API (query/README.md), same origin. Errors come back as ApiError with
 * the API's code, message and, for query mistakes, line and column.
 */
import type { Dashboard } from '../model/dashboard-model.ts'
import { toApiNs, type ResolvedRange } from './time-range.ts'

export interface DashboardEntry {
  dashboard: Dashboard
  source: 'builtin' | 'provisioned' | 'stored'
  readOnly: boolean
  updatedAt?: string
}

export interface DashboardSummary {
  id: string
  title: string
  description?: string
  source: DashboardEntry['source']
  readOnly: boolean
  panels: number
  updatedAt?: string
}

export interface ResultColumn {
  name: string
  /** number, duration, time, string, bool, id, any */
  type: string
}

export interface QueryStats {
  rowsScanned: number
  bytesScanned: number
  rowsReturned: number
  truncated: boolean
  elapsedMs: number
}

export interface QueryResult {
  columns: ResultColumn[]
  rows: unknown[][]
  stats: QueryStats
}

export interface SpanNode {
  [field: string]: unknown
  children: SpanNode[]
}

export interface TraceResult {
  traceId: string
  spanCount: number
  roots: SpanNode[]
}

export type SignalName = 'spans' | 'logs' | 'metrics'

export interface EmbedToken {
  id: string
  name: string
  createdAt: string
  restrictions?: { dashboard?: string }
}

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly line?: number
  readonly column?: number
  constructor(status: number, code: string, message: string, line?: number, column?: number) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.line = line
    this.column = column
  }
}

/**
 * An embed token given to an embed page in its URL fragment (#token=...): sent as a bearer
 * token, since an iframe on another site does not get the sign-in cookie (SameSite=Strict).
 * Elsewhere the cookie authorises calls and this stays undefined.
 */
let bearer: string | undefined

export function useBearerToken(token: string | undefined): void {
  bearer = token
}

/** Called when a call answers 401 (the sign-in cookie expired or its token was revoked). */
let unauthenticated: (() => void) | undefined

export function onUnauthenticated(handler: (() => void) | undefined): void {
  unauthenticated = handler
}

export async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  const auth: Record<string, string> = bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...auth, ...(init.headers ?? {}) } })
  const text = await res.text()
  let body: unknown
  try {
    body = text === '' ? {} : JSON.parse(text)
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `cannot read the answer of ${path}: ${res.status} ${text.slice(0, 200)}`)
  }
  if (res.status === 401 && path !== '/ui/login') unauthenticated?.()
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string; line?: number; column?: number } }).error ?? {}
    throw new ApiError(res.status, e.code ?? 'HTTP_' + res.status, e.message ?? `${path} answered ${res.status}`, e.line, e.column)
  }
  return body as T
}

function rangeParams(range?: ResolvedRange): string {
  return range ? `start=${toApiNs(range.startMs)}&end=${toApiNs(range.endMs)}` : ''
}

function withQuery(path: string, ...parts: string[]): string {
  const q = parts.filter(Boolean).join('&')
  return q ? `${path}?${q}` : path
}

/** The API, as the browser uses it. */
export const api = {
  /** POST /api/v1/query over a time range. */
  query(query: string, range: ResolvedRange | undefined, signal?: AbortSignal): Promise<QueryResult> {
    const body: Record<string, string> = { query }
    if (range) {
      body.start = toApiNs(range.startMs)
      body.end = toApiNs(range.endMs)
    }
    return call('/api/v1/query', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal })
  },
  trace(traceId: string, signal?: AbortSignal): Promise<TraceResult> {
    return call(`/api/v1/traces/${encodeURIComponent(traceId)}`, { signal })
  },
  async services(range?: ResolvedRange, signal?: AbortSignal): Promise<string[]> {
    return (await call<{ services: string[] }>(withQuery('/api/v1/services', rangeParams(range)), { signal })).services
  },
  async operations(service: string | undefined, range?: ResolvedRange, signal?: AbortSignal): Promise<string[]> {
    const q = service ? `service=${encodeURIComponent(service)}` : ''
    return (await call<{ operations: string[] }>(withQuery('/api/v1/operations', q, rangeParams(range)), { signal })).operations
  },
  async attributeKeys(source: SignalName, range?: ResolvedRange, signal?: AbortSignal): Promise<string[]> {
    return (await call<{ keys: string[] }>(withQuery('/api/v1/attributes', `signal=${source}`, rangeParams(range)), { signal })).keys
  },
  async attributeValues(source: SignalName, field: string, range?: ResolvedRange, signal?: AbortSignal): Promise<{ value: unknown; count: number }[]> {
    const path = `/api/v1/attributes/${encodeURIComponent(field)}/values`
    return (await call<{ values: { value: unknown; count: number }[] }>(withQuery(path, `signal=${source}`, rangeParams(range)), { signal })).values
  },
  /**
   * Live rows of a filter (`logs | where ...`) as they are stored; returns a function that stops.
   * `onRows` gets each stored batch's matches; `onError` a message when the stream fails.
   */
  subscribe(query: string, onRows: (result: Omit<QueryResult, 'stats'>) => void, onError: (message: string) => void, onReady?: () => void): () => void {
    const source = new EventSource(`/api/v1/subscribe?query=${encodeURIComponent(query)}`)
    source.addEventListener('ready', () => onReady?.())
    source.addEventListener('rows', (e) => onRows(JSON.parse((e as MessageEvent<string>).data)))
    source.addEventListener('error', (e) => {
      const data = (e as MessageEvent<string>).data
      if (typeof data === 'string' && data !== '') {
        try {
          onError((JSON.parse(data) as { error: { message: string } }).error.message)
        } catch {
          onError(data)
        }
        source.close()
      } else if (source.readyState === EventSource.CLOSED) onError('the live stream closed')
    })
    return () => source.close()
  },
  async dashboards(signal?: AbortSignal): Promise<DashboardSummary[]> {
    return (await call<{ dashboards: DashboardSummary[] }>('/api/v1/dashboards', { signal })).dashboards
  },
  /** A dashboard's definition; embeds read it from /ui/embed/ (where an embed token may). */
  dashboard(id: string, signal?: AbortSignal, embed = false): Promise<DashboardEntry> {
    return call(`${embed ? '/ui/embed' : '/api/v1'}/dashboards/${encodeURIComponent(id)}`, { signal })
  },
  session(): Promise<{ open: boolean; authenticated: boolean; tenant?: string; scopes?: string[] }> {
    return call('/ui/session')
  },
  async login(token: string): Promise<void> {
    await call('/ui/login', { method: 'POST', body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } })
  },
  async logout(): Promise<void> {
    await call('/ui/logout', { method: 'POST' })
  },
  /** Embed tokens of a dashboard (admin): read tokens restricted to it. */
  async embedTokens(dashboardId: string): Promise<EmbedToken[]> {
    const { tokens } = await call<{ tokens: EmbedToken[] }>('/api/v1/admin/tokens')
    return tokens.filter((t) => t.restrictions?.dashboard === dashboardId)
  },
  createEmbedToken(dashboardId: string, name: string): Promise<EmbedToken & { token: string }> {
    const body = { name, scopes: ['read'], restrictions: { dashboard: dashboardId } }
    return call('/api/v1/admin/tokens', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  },
  async revokeToken(id: string): Promise<void> {
    await call(`/api/v1/admin/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' })
  },
  /** Creates (or imports) a dashboard; the answer holds its new id. */
  createDashboard(dashboard: unknown): Promise<DashboardEntry> {
    return call('/api/v1/dashboards', { method: 'POST', body: JSON.stringify(dashboard), headers: { 'content-type': 'application/json' } })
  },
  saveDashboard(dashboard: Dashboard): Promise<DashboardEntry> {
    return call(`/api/v1/dashboards/${encodeURIComponent(dashboard.id)}`, { method: 'PUT', body: JSON.stringify(dashboard), headers: { 'content-type': 'application/json' } })
  },
  duplicateDashboard(id: string): Promise<DashboardEntry> {
    return call(`/api/v1/dashboards/${encodeURIComponent(id)}/duplicate`, { method: 'POST' })
  },
  deleteDashboard(id: string): Promise<void> {
    return call(`/api/v1/dashboards/${encodeURIComponent(id)}`, { method: 'DELETE' })
  },
  call,
}

export type Api = typeof api
