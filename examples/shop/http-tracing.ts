/**
 * Traced HTTP for the shop without auto-instrumentation: a server span per request (continuing
 * the caller's trace from its `traceparent` header) and a client span per call, with the
 * semantic conventions' names and attributes, and the request duration histogram.
 */
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

const tracer = trace.getTracer('shop')
const meter = metrics.getMeter('shop')
// The semantic conventions' bucket boundaries for HTTP durations in seconds: the SDK's default
// ones (0, 5, 10, 25 ... 10000) suit milliseconds and would put every request in the first bucket.
const advice = { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] }
const serverDuration = meter.createHistogram('http.server.request.duration', { unit: 's', description: 'Duration of HTTP server requests.', advice })
const clientDuration = meter.createHistogram('http.client.request.duration', { unit: 's', description: 'Duration of HTTP client requests.', advice })

export type Handler = (req: IncomingMessage, span: Span) => Promise<{ status: number; body: unknown }>

/** An HTTP server whose every request runs `routes[path]` inside a server span. */
export function tracedServer(routes: Record<string, Handler>): Server {
  return createServer((req, res: ServerResponse) => {
    const route = (req.url ?? '/').split('?')[0]
    const parent = propagation.extract(context.active(), req.headers)
    const started = performance.now()
    const span = tracer.startSpan(`${req.method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method ?? 'GET', 'http.route': route, 'url.path': req.url ?? '/' } }, parent)
    const handler = routes[route]
    void context.with(trace.setSpan(parent, span), async () => {
      let status = 404
      let body: unknown = { error: 'not found' }
      try {
        if (handler !== undefined) ({ status, body } = await handler(req, span))
      } catch (error) {
        status = 500
        body = { error: (error as Error).message }
        span.recordException(error as Error)
      }
      span.setAttribute('http.response.status_code', status)
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` })
      span.end()
      serverDuration.record((performance.now() - started) / 1000, { 'http.request.method': req.method ?? 'GET', 'http.route': route, 'http.response.status_code': status })
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    })
  })
}

/** Calls another service inside a client span, passing the trace on in `traceparent`. */
export async function tracedFetch(url: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const method = init.method ?? 'GET'
  const target = new URL(url)
  return tracer.startActiveSpan(`${method}`, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.full': url, 'server.address': target.hostname, 'server.port': Number(target.port) } }, async (span) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    propagation.inject(context.active(), headers)
    const started = performance.now()
    try {
      const res = await fetch(url, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
      const body = await res.json()
      span.setAttribute('http.response.status_code', res.status)
      if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${res.status}` })
      clientDuration.record((performance.now() - started) / 1000, { 'http.request.method': method, 'server.address': target.hostname, 'http.response.status_code': res.status })
      return { status: res.status, body }
    } finally {
      span.end()
    }
  })
}

/** Listens on SHOP_HOST (default 127.0.0.1; 0.0.0.0 in a container) and prints `shop: <name> listening on host:port`. */
export function listen(server: Server, name: string, port: number): Promise<void> {
  return new Promise((done) => {
    server.listen(port, process.env.SHOP_HOST ?? '127.0.0.1', () => {
      const a = server.address() as { address: string; port: number }
      console.log(`shop: ${name} listening on ${a.address}:${a.port}`)
      done()
    })
  })
}
