/**
 * @module workload/traces
 * Trace trees over the model: an entry route calls other services (a CLIENT span in the
 * caller, a SERVER span in the callee), databases, internal steps and a Kafka topic. Errors
 * start in a route (payment-service most, with an incident window) and pass up to callers;
 * a raised error carries an `exception` event. Durations are log-normal with a 1 % slow tail.
 */
import { ERROR_SERVICE, ENTRY_ROUTES, ROUTE_BY_KEY, SERVICES, type Call, type Route, type Service } from './model.ts'
import type { Rand } from './rand.ts'
import type { Attributes, FlatSpan, SpanEvent } from './records.ts'

const MS = 1_000_000

/** The resource of one pod of a service. */
export function podResource(service: Service, pod: number): Attributes {
  return {
    'service.name': service.name,
    'service.version': service.version,
    'k8s.pod.name': `${service.name}-${(0x5a3f1 * (pod + 1) + service.name.length * 977).toString(36).slice(-5)}`,
    'host.name': `node-${(service.name.length + pod) % 4}`,
    'deployment.environment': 'production',
  }
}

const SERVICE_BY_NAME = new Map(SERVICES.map((s) => [s.name, s]))

export interface TraceContext {
  readonly rand: Rand
  readonly out: FlatSpan[]
  readonly traceId: string
  /** Window position of the trace in [0, 1), for the incident. */
  readonly position: number
  /** Plant a 95 s database call in this trace. */
  slow: boolean
}

interface Made {
  readonly end: bigint
  readonly error: boolean
  readonly status: number
}

const ns = (ms: number): bigint => BigInt(Math.max(1, Math.floor(ms * MS)))

function resourceOf(ctx: TraceContext, service: string): Attributes {
  const s = SERVICE_BY_NAME.get(service)!
  return podResource(s, ctx.rand.int(s.pods))
}

function userId(ctx: TraceContext, service: Service): Attributes {
  const n = 1000 + ctx.rand.int(50_000)
  return { 'user.id': service.userIdAs === 'int' ? BigInt(n) : `u-${n}` }
}

/** Emits the SERVER span of `route` and everything under it; returns its end and outcome. */
function serve(ctx: TraceContext, route: Route, start: bigint, parent: string, resource: Attributes): Made {
  const { rand } = ctx
  const spanId = rand.hex(8)
  const service = SERVICE_BY_NAME.get(route.service)!
  let t = start + ns(0.05 + rand.next() * 0.3)
  let childError = false
  for (const call of route.calls) {
    if (!rand.chance(call.p)) continue
    const made = callOut(ctx, call, t, spanId, resource, route.service)
    childError ||= made.error && rand.chance(0.7)
    t = made.end + ns(rand.next() * 0.5)
  }
  let self = rand.logNormal(route.medianMs, route.sigma)
  if (rand.chance(0.01)) self *= 5 + rand.next() * 25
  const end = t + ns(self * 0.3) > start + ns(self) ? t + ns(self * 0.3) : start + ns(self)
  const incident = route.service === ERROR_SERVICE && ctx.position >= 40 / 60 && ctx.position < 46 / 60
  const raised = rand.chance(incident ? 0.35 : route.errorRate)
  const error = raised || childError
  const status = error ? (raised && rand.chance(0.5) ? 503 : 500) : route.method === 'POST' ? 201 : 200
  const events: SpanEvent[] = raised
    ? [{ time: end - ns(0.01), name: 'exception', attributes: { 'exception.type': rand.pick(['TimeoutError', 'DeclinedError', 'IOError']), 'exception.message': `${route.service} failed to handle ${route.route}` } }]
    : []
  const attributes: Attributes = { 'http.request.method': route.method, 'http.route': route.route, 'http.response.status_code': BigInt(status), 'url.scheme': 'http' }
  if (route.service !== 'search-service' && route.service !== 'inventory-service') Object.assign(attributes, userId(ctx, service))
  if (route.service === ERROR_SERVICE) attributes['payment.amount'] = Math.round(rand.logNormal(60, 0.8) * 100) / 100
  ctx.out.push({
    traceId: ctx.traceId, spanId, parentSpanId: parent, name: `${route.method} ${route.route}`, kind: 2, start, end,
    statusCode: error ? 2 : route.service === 'api-gateway' ? 1 : 0, statusMessage: raised ? `${route.route} failed` : '',
    resource, attributes, events,
  })
  return { end, error, status }
}

function callOut(ctx: TraceContext, call: Call, start: bigint, parent: string, resource: Attributes, caller: string): Made {
  const { rand } = ctx
  const spanId = rand.hex(8)
  switch (call.kind) {
    case 'http': {
      const route = ROUTE_BY_KEY.get(`${call.service} ${call.method} ${call.route}`)!
      const made = serve(ctx, route, start + ns(0.2 + rand.next() * 0.8), spanId, resourceOf(ctx, call.service))
      const end = made.end + ns(0.2 + rand.next() * 0.8)
      ctx.out.push({
        traceId: ctx.traceId, spanId, parentSpanId: parent, name: `${call.method} ${call.route}`, kind: 3, start, end,
        statusCode: made.error ? 2 : 0, statusMessage: '', resource,
        attributes: { 'http.request.method': call.method, 'server.address': call.service, 'server.port': 8080n, 'http.response.status_code': BigInt(made.status) },
        events: [],
      })
      return { end, error: made.error, status: made.status }
    }
    case 'db': {
      let ms = ctx.rand.logNormal(call.medianMs, 0.6)
      if (ctx.slow && call.system === 'postgresql') {
        ms = 95_000 + rand.next() * 100
        ctx.slow = false
      }
      const end = start + ns(ms)
      const error = rand.chance(0.002)
      const attributes: Attributes = { 'db.system': call.system, 'db.operation.name': call.op, 'server.address': call.system === 'redis' ? 'redis-cache' : 'postgres-primary' }
      if (call.system === 'redis') attributes['cache.hit'] = rand.chance(0.8)
      ctx.out.push({
        traceId: ctx.traceId, spanId, parentSpanId: parent, name: `${call.op} ${call.system === 'redis' ? 'cache' : caller.replace('-service', '')}`, kind: 3, start, end,
        statusCode: error ? 2 : 0, statusMessage: error ? 'connection reset' : '', resource, attributes, events: [],
      })
      return { end, error, status: 0 }
    }
    case 'internal': {
      const end = start + ns(rand.logNormal(call.medianMs, 0.5))
      ctx.out.push({ traceId: ctx.traceId, spanId, parentSpanId: parent, name: call.name, kind: 1, start, end, statusCode: 0, statusMessage: '', resource, attributes: {}, events: [] })
      return { end, error: false, status: 0 }
    }
    case 'kafka': {
      const end = start + ns(rand.logNormal(1.5, 0.4))
      const attributes: Attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': call.topic }
      ctx.out.push({ traceId: ctx.traceId, spanId, parentSpanId: parent, name: `publish ${call.topic}`, kind: 4, start, end, statusCode: 0, statusMessage: '', resource, attributes, events: [] })
      // The consumer runs later, outside the caller's span: a child of the producer.
      const cStart = end + ns(rand.logNormal(20, 0.8))
      const cEnd = cStart + ns(rand.logNormal(8, 0.5))
      ctx.out.push({
        traceId: ctx.traceId, spanId: rand.hex(8), parentSpanId: spanId, name: `process ${call.topic}`, kind: 5, start: cStart, end: cEnd,
        statusCode: 0, statusMessage: '', resource: resourceOf(ctx, call.consumer), attributes: { ...attributes, 'messaging.consumer.group.name': call.consumer }, events: [],
      })
      return { end, error: false, status: 0 }
    }
  }
}

/** One trace starting at `start`: an entry route, or (8 %) a single health-check span. */
export function makeTrace(ctx: TraceContext, start: bigint): void {
  const { rand } = ctx
  if (!ctx.slow && rand.chance(0.08)) {
    const service = rand.pick(SERVICES)
    ctx.out.push({
      traceId: ctx.traceId, spanId: rand.hex(8), parentSpanId: '', name: 'GET /healthz', kind: 2, start, end: start + ns(rand.logNormal(0.3, 0.3)),
      statusCode: 0, statusMessage: '', resource: podResource(service, rand.int(service.pods)),
      attributes: { 'http.request.method': 'GET', 'http.route': '/healthz', 'http.response.status_code': 200n }, events: [],
    })
    return
  }
  const key = ctx.slow ? 'api-gateway POST /v1/orders' : rand.weighted(ENTRY_ROUTES)
  const route = ROUTE_BY_KEY.get(key)!
  serve(ctx, route, start, '', resourceOf(ctx, route.service))
}
