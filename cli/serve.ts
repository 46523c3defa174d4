/**
 * @module cli/serve
 * `blazedb serve`: one process with the storage engine, the OTLP gateway, and the HTTP API.
 * Each listener prints one line `blazedb: <name> listening on <host:port>` once bound, so that
 * a caller that asked for port 0 learns the port.
 */
import { serve as serveHttp, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Access } from '../access/index.ts'
import type { Store } from '../storage/index.ts'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import { DecodePool, defaultDecodeThreads, followTlsSource, httpsServerOptions, IngestMetrics, Intake, startOtlpGrpc, startOtlpHttp } from '../ingest/index.ts'
import { createQueryApi, createQueryService, type QueryService } from '../query/index.ts'
import { AlertService, createAlertsApi } from '../alerts/index.ts'
import { DEFAULT_TENANT, ThreadMemoryWatch } from '../storage/index.ts'
import { memoryBudgetOf, parseAddr, parseBytes, parseDurationNs, queryLimits, type Config } from './config.ts'
import { createDashboardsUi } from '../dashboards/index.ts'
import { createAdminApi } from './admin-api.ts'
import { startCollectors } from '../collectors/index.ts'
import { createCollectorsApi } from './collectors-api.ts'
import { openStore } from './open-store.ts'
import { TlsFiles } from './tls-files.ts'
import { tuneServerRuntime } from './runtime.ts'
import { MemoryGuard, QUERY_HOLD_CHECK_MS, queryThreadMemory } from './memory-guard.ts'

export interface RunningServer {
  readonly store: Store
  /** The one token check of every listener (components add their resource check to it). */
  readonly access: Access
  /** The query threads behind the HTTP API. */
  readonly queries: QueryService
  /** Bound addresses, host:port. */
  readonly addresses: { http: string; otlpHttp?: string; otlpGrpc?: string }
  /** Re-reads the TLS files now (SIGHUP); true when a new certificate is served. */
  reloadTls(): boolean
  close(): Promise<void>
}

export interface ServeOptions {
  /** Where the listening lines and notices go. */
  log?: (line: string) => void
}

export async function startServer(config: Config, options: ServeOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line))
  tuneServerRuntime()
  // TLS files are read before the data directory is opened: a bad path fails the start early.
  const tls = TlsFiles.fromConfig(config, log)
  const store = await openStore(config, log)
  const budget = memoryBudgetOf(config)
  const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)}MiB`
  const closers: (() => Promise<void>)[] = []
  try {
    const app = new Hono()
    app.get('/healthz', (c) => c.json({ status: 'ok' }))
    // Components mount their routes on `app` here.
    const ingestMetrics = new IngestMetrics()
    const access = await Access.open({ tokens: config.tokens, documents: store.documents })
    // One set of decoding threads for both listeners.
    const decodePool = new DecodePool(defaultDecodeThreads())
    closers.push(() => decodePool.close())
    // Collectors hand batches straight to the store. Mounted first: the query API's read-scope
    // check covers /api/v1/*, and remote-write needs the ingest scope instead.
    const collectors = await startCollectors(config.collectors, {
      sink: (tenant, batch, options) => store.append(tenant, batch, options),
      maxRequestBytes: parseBytes('maxRequestBytes', config.maxRequestBytes),
      log,
      stateDir: join(config.dataDir, 'collectors'),
      store,
      ingestStats: () => ingestMetrics.snapshot(),
      // Read once the server runs: `queries` and `intake` are made below, before anything awaits.
      queues: () => {
        const q = queries.status()
        return { ingestInflightBytes: intake.inflight.inflight, ingestInflightLimitBytes: intake.inflight.limit, ingestDecodeWaiting: decodePool.waiting, queriesRunning: q.running, queriesQueued: q.queued, queriesMemoryBytes: q.memoryBytes, queriesMemoryLimitBytes: q.memoryMaxBytes, queriesDeferred: q.deferred, queriesPaced: q.paced, memoryLimitBytes: guard.limit, memoryPressure: guard.level, queryCacheBudgetBytes: guard.cacheBytes, memoryGuardDecisions: guard.decisions }
      },
    })
    closers.push(() => collectors.close())
    app.route('/', createCollectorsApi(collectors, access))
    app.route('/', createAdminApi(store, access, ingestMetrics))
    // Records older than their signal's retention, or too far ahead, are refused at the door.
    const timeWindow = {
      retentionNs: {
        spans: parseDurationNs('retention.spans', config.retention.spans),
        logs: parseDurationNs('retention.logs', config.retention.logs),
        metrics: parseDurationNs('retention.metrics', config.retention.metrics),
      },
      maxFutureSkewNs: parseDurationNs('maxFutureSkew', config.maxFutureSkew),
    }
    // One intake (in-flight bound, time window, counters) for every listener and producer.
    const intake = new Intake({ store, metrics: ingestMetrics, timeWindow, maxInflightBytes: budget.maxInflightBytes, memoryPressure: () => guard.ingest() })
    // Queries run on threads of their own, off the event loop that acknowledges exports, and
    // pause between batches while exports have work for the CPU (query/yield-gate.ts).
    // All running queries together hold at most a share of memoryLimit (query/query-memory.ts).
    const queries = createQueryService({ store, threads: config.queryThreads, cacheBytes: budget.queryCacheBytes, partials: config.queryPartials, cpuShare: config.queryCpuShare, memoryPressure: () => guard.queries(), yieldTo: intake.inflight.working, memoryBytes: budget.queriesMaxMemoryBytes, heapReserveBytes: budget.queryThreadHeapReserveBytes })
    closers.push(() => queries.close())
    // Near the limit, the server sheds queries and paces ingest (memory-guard.ts), when its
    // threads hold the memory (their reports: storage's thread-memory.ts).
    const threadMemory = new ThreadMemoryWatch()
    closers.push(async () => threadMemory.close())
    const guard = new MemoryGuard(parseBytes('memoryLimit', config.memoryLimit), {
      cache: { bytes: budget.queryCacheBytes, setBudget: (bytes, collect) => queries.setCacheBudget(bytes, collect), held: () => queryThreadMemory(threadMemory.threads()).cache },
      inUse: () => threadMemory.threads().reduce((n, t) => n + t.heapTotal + t.arrayBuffers, 0),
      queries: () => queryThreadMemory(threadMemory.threads()).besidesCache,
      collect: () => queries.collect(),
    })
    // While the guard sheds queries, running ones but the oldest wait at their next pace; read
    // on a timer too, so that they go on when memory comes back with no request to notice it.
    const holdQueries = setInterval(() => queries.holdQueries(guard.queries() !== undefined), QUERY_HOLD_CHECK_MS).unref()
    closers.push(async () => clearInterval(holdQueries))
    app.route('/', createQueryApi({ store, access, limits: queryLimits(config), queries }))
    app.route('/', createDashboardsUi({ documents: store.documents, access, dashboardsDir: config.dashboardsDir, embedOrigins: config.embedOrigins }))

    // Alert rules: an invalid rule file stops the start here, before anything listens.
    const alerts = await AlertService.start({
      config: config.alerts,
      defaultExternalUrl: `http://${config.httpAddr}`,
      run: (text, o) => queries.run(text, { ...o, limits: queryLimits(config) }),
      docs: store.documents,
      // History records enter through the intake, like every other record.
      sink: async (tenant, batch) => {
        const { rejected, message } = await intake.accept(tenant, batch)
        if (rejected > 0) throw new Error(message)
      },
      tenants: () => [DEFAULT_TENANT, ...config.tokens.map((t) => t.tenant), ...store.tenants()],
      log,
    })
    const reloadAlerts = (): void => void alerts.reload().then((r) => log(`blazedb: alert rules reloaded: ${r.groups} groups, ${r.rules} rules`), (e: Error) => log(`blazedb: cannot reload alert rules: ${e.message}`))
    process.on('SIGHUP', reloadAlerts)
    closers.push(async () => {
      process.off('SIGHUP', reloadAlerts)
      await alerts.stop()
    })
    app.route('/', createAlertsApi({ service: alerts, access }))

    // Once everything that can refuse the configuration has started: its messages come first.
    log(`blazedb: memory limit ${config.memoryLimit}: head flushed at ${mib(budget.headFlushBytes)}, ${mib(budget.maxInflightBytes)} of requests in flight, block caches ${mib(budget.engineCacheBytes)} + ${mib(budget.queryCacheBytes)} for query threads, queries ${mib(queryLimits(config).maxMemoryBytes)} each, ${mib(budget.queriesMaxMemoryBytes)} together`)
    const { host, port } = parseAddr('httpAddr', config.httpAddr)
    const http = await listenHono(app, host, port, tls)
    closers.push(() => closeHttp(http.server))
    log(`blazedb: http listening on ${http.address}`)

    // The OTLP gateway: both listeners share one set of self-metrics.
    const maxRequestBytes = parseBytes('maxRequestBytes', config.maxRequestBytes)
    const otlp = { intake, access, maxRequestBytes, decodePool, tls }
    const otlpHttp = await startOtlpHttp({ ...otlp, ...parseAddr('otlpHttpAddr', config.otlpHttpAddr) })
    closers.push(() => otlpHttp.close())
    log(`blazedb: otlp-http listening on ${otlpHttp.address}`)
    const otlpGrpc = await startOtlpGrpc({ ...otlp, ...parseAddr('otlpGrpcAddr', config.otlpGrpcAddr) })
    closers.push(() => otlpGrpc.close())
    log(`blazedb: otlp-grpc listening on ${otlpGrpc.address}`)
    if (tls !== undefined) {
      tls.watch()
      closers.push(async () => tls.stop())
      log(`blazedb: TLS on every listener with ${config.tlsCertFile}${config.tlsClientCaFile === undefined ? '' : `, client certificates signed by ${config.tlsClientCaFile} required`}`)
    }

    return {
      store,
      access,
      queries,
      addresses: { http: http.address, otlpHttp: otlpHttp.address, otlpGrpc: otlpGrpc.address },
      reloadTls: () => tls?.reload() ?? false,
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

function listenHono(app: Hono, host: string, port: number, tls: TlsFiles | undefined): Promise<{ server: ServerType; address: string }> {
  return new Promise((resolveListen, reject) => {
    const secure = tls === undefined ? {} : { createServer: createHttpsServer, serverOptions: httpsServerOptions(tls.current()) }
    const server = serveHttp({ fetch: app.fetch, hostname: host, port, ...secure }, (info: AddressInfo) => {
      resolveListen({ server, address: formatAddress(info) })
    })
    if (tls !== undefined) server.once('close', followTlsSource(server as HttpsServer, tls))
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
