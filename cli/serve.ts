/**
 * @module cli/serve
 * `blazedb serve`: one process with the storage engine, the OTLP gateway, and the HTTP API.
 * Each listener prints one line `blazedb: <name> listening on <host:port>` once bound, so that
 * a caller that asked for port 0 learns the port.
 */
import { serve as serveHttp, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import type { Store } from '../storage/index.ts'
import { DecodePool, defaultDecodeThreads, IngestMetrics, startOtlpGrpc, startOtlpHttp } from '../ingest/index.ts'
import { createQueryApi } from '../query/index.ts'
import { createDashboardsUi } from '../dashboards/index.ts'
import { parseAddr, parseBytes, type Config } from './config.ts'
import { createAdminApi } from './admin-api.ts'
import { openStore } from './open-store.ts'
import { tuneServerRuntime } from './runtime.ts'

export interface RunningServer {
  readonly store: Store
  /** Bound addresses, host:port. */
  readonly addresses: { http: string; otlpHttp?: string; otlpGrpc?: string }
  close(): Promise<void>
}

export interface ServeOptions {
  /** Where the listening lines and notices go. */
  log?: (line: string) => void
}

export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line))
  tuneServerRuntime()
  const store = await openStore(config, log)
  const closers: (() => Promise<void>)[] = []
  try {
    const app = new Hono()
    app.get('/healthz', (c) => c.json({ status: 'ok' }))
    // Components mount their routes on `app` here.
    const ingestMetrics = new IngestMetrics()
    app.route('/', createAdminApi(store, config.tokens, ingestMetrics))
    app.route('/', createQueryApi({ store, tokens: config.tokens }))
    app.route('/', createDashboardsUi({ documents: store.documents, tokens: config.tokens, dashboardsDir: config.dashboardsDir, embedOrigins: config.embedOrigins }))

    const { host, port } = parseAddr('httpAddr', config.httpAddr)
    const http = await listenHono(app, host, port)
    closers.push(() => closeHttp(http.server))
    log(`blazedb: http listening on ${http.address}`)

    // The OTLP gateway: both listeners share one set of self-metrics.
    const maxRequestBytes = parseBytes('maxRequestBytes', config.maxRequestBytes)
    // One set of decoding threads for both listeners.
    const decodePool = new DecodePool(defaultDecodeThreads())
    closers.push(() => decodePool.close())
    const otlp = { store, tokens: config.tokens, maxRequestBytes, metrics: ingestMetrics, decodePool }
    const otlpHttp = await startOtlpHttp({ ...otlp, ...parseAddr('otlpHttpAddr', config.otlpHttpAddr) })
    closers.push(() => otlpHttp.close())
    log(`blazedb: otlp-http listening on ${otlpHttp.address}`)
    const otlpGrpc = await startOtlpGrpc({ ...otlp, ...parseAddr('otlpGrpcAddr', config.otlpGrpcAddr) })
    closers.push(() => otlpGrpc.close())
    log(`blazedb: otlp-grpc listening on ${otlpGrpc.address}`)

    return {
      store,
      addresses: { http: http.address, otlpHttp: otlpHttp.address, otlpGrpc: otlpGrpc.address },
      async close() {
        for (const close of closers.reverse()) await close()
        await store.close()
      },
    }
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {})
    await store.close()
    throw error
  }
}

function listenHono(app: Hono, host: string, port: number): Promise<{ server: ServerType; address: string }> {
  return new Promise((resolveListen, reject) => {
    const server = serveHttp({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      resolveListen({ server, address: formatAddress(info) })
    })
    server.once('error', reject)
  })
}

/** host:port of a bound socket. */
export function formatAddress(info: AddressInfo): string {
  return info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`
}

function closeHttp(server: ServerType): Promise<void> {
  return new Promise((done) => {
    server.close(() => done())
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
}
