/**
 * @module workload/model
 * The simulated shop: services with their pods, the HTTP routes each serves, and what each
 * route calls (other services over HTTP, databases, a Kafka topic, internal steps). Durations
 * are log-normal per operation (median in ms, shape sigma). Error rates are per route.
 */

export interface Service {
  readonly name: string
  readonly version: string
  readonly pods: number
  /** How this service sends `user.id`: OTLP SDKs differ, so the type differs between services. */
  readonly userIdAs: 'string' | 'int'
}

/** One step a route takes, in order. */
export type Call =
  | { readonly kind: 'http'; readonly service: string; readonly route: string; readonly method: string; readonly p: number }
  | { readonly kind: 'db'; readonly system: 'postgresql' | 'redis'; readonly op: string; readonly medianMs: number; readonly p: number }
  | { readonly kind: 'internal'; readonly name: string; readonly medianMs: number; readonly p: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly consumer: string; readonly p: number }

export interface Route {
  readonly service: string
  readonly method: string
  readonly route: string
  readonly medianMs: number
  readonly sigma: number
  /** Probability the route itself fails. */
  readonly errorRate: number
  readonly calls: readonly Call[]
}

export const SERVICES: readonly Service[] = [
  { name: 'frontend', version: '2.4.1', pods: 3, userIdAs: 'string' },
  { name: 'api-gateway', version: '1.9.0', pods: 2, userIdAs: 'string' },
  { name: 'cart-service', version: '3.1.0', pods: 2, userIdAs: 'int' },
  { name: 'checkout-service', version: '1.2.7', pods: 2, userIdAs: 'int' },
  { name: 'payment-service', version: '0.9.3', pods: 2, userIdAs: 'string' },
  { name: 'inventory-service', version: '5.0.2', pods: 2, userIdAs: 'int' },
  { name: 'user-service', version: '2.0.0', pods: 1, userIdAs: 'int' },
  { name: 'search-service', version: '1.0.4', pods: 2, userIdAs: 'string' },
  { name: 'notification-service', version: '0.3.0', pods: 1, userIdAs: 'string' },
]

export const ERROR_SERVICE = 'payment-service'

const http = (service: string, method: string, route: string, p = 1): Call => ({ kind: 'http', service, route, method, p })
const db = (system: 'postgresql' | 'redis', op: string, medianMs: number, p = 1): Call => ({ kind: 'db', system, op, medianMs, p })
const step = (name: string, medianMs: number, p = 1): Call => ({ kind: 'internal', name, medianMs, p })

export const ROUTES: readonly Route[] = [
  { service: 'frontend', method: 'GET', route: '/', medianMs: 40, sigma: 0.5, errorRate: 0.001, calls: [http('search-service', 'GET', '/api/products', 0.8), step('render page', 5)] },
  { service: 'frontend', method: 'GET', route: '/product/{id}', medianMs: 35, sigma: 0.5, errorRate: 0.002, calls: [http('inventory-service', 'GET', '/api/stock/{sku}'), step('render page', 4)] },
  { service: 'frontend', method: 'POST', route: '/cart', medianMs: 50, sigma: 0.6, errorRate: 0.002, calls: [http('cart-service', 'POST', '/api/cart/items')] },
  { service: 'frontend', method: 'POST', route: '/checkout', medianMs: 120, sigma: 0.6, errorRate: 0.003, calls: [http('checkout-service', 'POST', '/api/checkout')] },
  { service: 'api-gateway', method: 'GET', route: '/v1/products', medianMs: 30, sigma: 0.5, errorRate: 0.001, calls: [http('search-service', 'GET', '/api/products')] },
  { service: 'api-gateway', method: 'GET', route: '/v1/users/{id}', medianMs: 15, sigma: 0.4, errorRate: 0.001, calls: [http('user-service', 'GET', '/api/users/{id}')] },
  { service: 'api-gateway', method: 'POST', route: '/v1/orders', medianMs: 110, sigma: 0.6, errorRate: 0.002, calls: [http('user-service', 'GET', '/api/users/{id}', 0.7), http('checkout-service', 'POST', '/api/checkout')] },
  { service: 'search-service', method: 'GET', route: '/api/products', medianMs: 18, sigma: 0.6, errorRate: 0.002, calls: [db('redis', 'GET', 0.6, 0.9), db('postgresql', 'SELECT', 6, 0.4)] },
  { service: 'inventory-service', method: 'GET', route: '/api/stock/{sku}', medianMs: 8, sigma: 0.5, errorRate: 0.006, calls: [db('postgresql', 'SELECT', 3)] },
  { service: 'inventory-service', method: 'POST', route: '/api/stock/reserve', medianMs: 14, sigma: 0.5, errorRate: 0.01, calls: [db('postgresql', 'UPDATE', 5)] },
  { service: 'cart-service', method: 'POST', route: '/api/cart/items', medianMs: 12, sigma: 0.5, errorRate: 0.003, calls: [http('inventory-service', 'GET', '/api/stock/{sku}', 0.7), db('redis', 'SET', 0.8)] },
  { service: 'cart-service', method: 'GET', route: '/api/cart', medianMs: 6, sigma: 0.4, errorRate: 0.001, calls: [db('redis', 'GET', 0.5)] },
  { service: 'user-service', method: 'GET', route: '/api/users/{id}', medianMs: 5, sigma: 0.4, errorRate: 0.001, calls: [db('redis', 'GET', 0.4), db('postgresql', 'SELECT', 3, 0.3)] },
  {
    service: 'checkout-service', method: 'POST', route: '/api/checkout', medianMs: 60, sigma: 0.5, errorRate: 0.004,
    calls: [http('cart-service', 'GET', '/api/cart'), http('inventory-service', 'POST', '/api/stock/reserve'), http('payment-service', 'POST', '/api/payments'), db('postgresql', 'INSERT', 4), { kind: 'kafka', topic: 'orders', consumer: 'notification-service', p: 1 }],
  },
  { service: 'payment-service', method: 'POST', route: '/api/payments', medianMs: 90, sigma: 0.7, errorRate: 0.12, calls: [step('fraud check', 12), db('postgresql', 'INSERT', 5)] },
]

/** Routes that start traces, with their share of traffic. */
export const ENTRY_ROUTES: readonly (readonly [string, number])[] = [
  ['frontend GET /', 30],
  ['frontend GET /product/{id}', 25],
  ['frontend POST /cart', 12],
  ['frontend POST /checkout', 6],
  ['api-gateway GET /v1/products', 12],
  ['api-gateway GET /v1/users/{id}', 8],
  ['api-gateway POST /v1/orders', 4],
]

export const routeKey = (r: { service: string; method: string; route: string }): string => `${r.service} ${r.method} ${r.route}`

export const ROUTE_BY_KEY: ReadonlyMap<string, Route> = new Map(ROUTES.map((r) => [routeKey(r), r]))

export const SEVERITIES: readonly (readonly [readonly [number, string], number])[] = [
  [[1, 'TRACE'], 2],
  [[5, 'DEBUG'], 10],
  [[9, 'INFO'], 70],
  [[13, 'WARN'], 12],
  [[17, 'ERROR'], 5],
  [[21, 'FATAL'], 1],
]

/** Log body templates by severity band; `{n}`, `{ms}`, `{id}` are filled in. */
export const LOG_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  low: ['cache lookup key=item:{id} hit={bool}', 'parsed request headers in {ms}ms', 'pool stats active={n} idle={n}'],
  info: ['request completed in {ms}ms', 'user {id} signed in', 'order {id} created with {n} items', 'served {n} products from cache', 'config reloaded, {n} keys'],
  warn: ['slow query took {ms}ms', 'retrying call to {svc} (attempt {n})', 'queue depth {n} above threshold'],
  error: ['payment declined for order {id}', 'upstream {svc} returned 503', 'connection reset by peer while calling {svc}', 'deadline exceeded after {ms}ms'],
}

/** Share of log records whose body is a timeout message. */
export const TIMEOUT_SHARE = 0.02
export const TIMEOUT_TEMPLATE = 'timeout calling {svc} after {ms}ms'
