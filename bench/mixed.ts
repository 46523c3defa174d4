/**
 * @module bench/mixed
 * Ingest under queries: a fresh `blazedb serve` process is loaded with the reference workload
 * (over OTLP/HTTP, then vacuumed), then measured in three phases: two clients running heavy
 * queries back to back (Q2, Q8, Q9, Q7 and a per-minute breakdown) with no ingest; spans sent
 * at a steady rate by a load generator process (bench/mixed-loadgen.ts) with no queries; and
 * both at once. Reported: OTLP export p50/p99, /healthz p99 (probed every 10 ms), query p50.
 * Each server configuration is measured in its own process, one after the other: by default
 * queries on the event loop (`queryThreads: 0`, as before query threads) and on query threads;
 * `--before DIR` adds the server of another checkout (e.g. main's code) first.
 * Run alone: `node bench/mixed.ts [--workload DIR] [--seconds N] [--rate N] [--before DIR] [--threads-only]
 * [--seed DATADIR] [--repeat N]` (--seed: start each server on a copy of a loaded data directory;
 * --repeat: measure the servers N times over, alternating).
 */
import { fork, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import type { OtlpSignal } from '../ingest/index.ts'
import { loadBatches } from './ingest-workload.ts'
import type { SteadyLoadReport, SteadyLoadSpec } from './mixed-loadgen.ts'
import { fmt, median, percentile } from './support/measure.ts'
import { DEFAULT_SIZE, ensureWorkload, GENERATOR } from './support/workload.ts'

const BIN = resolve(import.meta.dirname, '../bin/blazedb.js')

export interface ServerUnderTest {
  label: string
  /** The server's bin/blazedb.js. */
  bin: string
  /** Fields added to its config file. */
  config?: Record<string, unknown>
}

export interface MixedOptions {
  workloadDir: string
  /** Seconds of ingest alone, and of ingest with queries, over all rounds; queries alone take half (20). */
  seconds?: number
  /** Spans a second the generator sends (100,000: a quarter of what the gateway takes). */
  spansPerSecond?: number
  servers?: ServerUnderTest[]
  /** A data directory loaded with the workload (made by the first server when absent: loaded,
   * vacuumed, stopped): each server starts on a copy of it instead of loading the workload over
   * OTLP (minutes on a busy machine), e.g. to run old and new code back to back several times. */
  seedDir?: string
}

export interface PhaseFigures {
  exportP50?: number
  exportP99?: number
  spansPerSecond?: number
  exportFailures?: number
  healthP99: number
  queryP50?: number
  queries?: number
  queryErrors?: number
  /** CPU milliseconds a second of the server's threads, by kind (Linux only; threadCpu). */
  cpu?: Record<string, number>
  /** Share of /metrics samples with `blazedb_memory_pressure` above 0 (the guard shedding). */
  pressure?: number
}

export interface ServerFigures {
  label: string
  loadMs: number
  queriesAlone: PhaseFigures
  ingestAlone: PhaseFigures
  mixed: PhaseFigures
}

export const DEFAULT_SERVERS: ServerUnderTest[] = [
  { label: 'queries on the event loop (queryThreads 0)', bin: BIN, config: { queryThreads: 0 } },
  { label: 'query threads', bin: BIN },
]

/** The heavy queries of issue 15's measurement, over the workload's window. */
function heavyQueries(): string[] {
  return [
    'spans | stats count(), p50(duration), p95(duration), p99(duration) by service.name, name | sort p99_duration desc, service.name, name | limit 20',
    'logs | where severity >= 17 | join spans as span on trace_id, span_id | stats count() by span.name | sort count desc, span.name',
    'metrics | where metric.name = "http.server.request.count" | stats increase(value), rate(value) by http.route, bin(time, 5m) | sort http.route, time',
    'logs | where body contains "timeout" | stats count() by service.name | sort count desc, service.name',
    'spans | stats count() by bin(time, 1m), service.name',
  ]
}

export interface Running {
  pid: number
  http: string
  otlpHttp: string
  stop(): Promise<void>
}

export function startServer(server: ServerUnderTest, dataDir: string): Promise<Running> {
  const configFile = join(dataDir, '..', 'config.json')
  writeFileSync(configFile, JSON.stringify({ dataDir, retention: { spans: '0', logs: '0', metrics: '0' }, ...server.config }))
  const child = spawn(process.execPath, [server.bin, 'serve', '--config', configFile, '--http-addr', '127.0.0.1:0', '--otlp-http-addr', '127.0.0.1:0', '--otlp-grpc-addr', '127.0.0.1:0'], {
    env: { ...process.env, BLAZEDB_PASSWORD: 'mixed benchmark' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const lines: string[] = []
  const addresses: Record<string, string> = {}
  return new Promise((resolveStart, reject) => {
    const onLine = (line: string): void => {
      lines.push(line)
      const m = /^blazedb: (http|otlp-http) listening on (\S+)$/.exec(line)
      if (m !== null) addresses[m[1]] = m[2]
      if (addresses.http !== undefined && addresses['otlp-http'] !== undefined) {
        resolveStart({ pid: child.pid as number, http: addresses.http, otlpHttp: addresses['otlp-http'], stop: () => (child.kill('SIGTERM'), exited) })
      }
    }
    createInterface({ input: child.stdout }).on('line', onLine)
    createInterface({ input: child.stderr }).on('line', onLine)
    void exited.then(() => reject(new Error(`blazedb serve exited before listening:\n${lines.join('\n')}`)))
  })
}

/** Sends every request of the workload, `connections` at a time; returns the failures. */
export async function loadWorkload(address: string, workloadDir: string, connections = 8): Promise<number> {
  let failures = 0
  for (const signal of ['traces', 'logs', 'metrics'] as OtlpSignal[]) {
    const bodies = loadBatches(workloadDir, signal)
    let next = 0
    const sender = async (): Promise<void> => {
      while (next < bodies.length) {
        const body = bodies[next++]
        const res = await fetch(`http://${address}/v1/${signal}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-protobuf' } })
        await res.arrayBuffer()
        if (res.status !== 200) failures++
      }
    }
    await Promise.all(Array.from({ length: connections }, sender))
  }
  return failures
}

/** Loads the whole workload into `server`, then flushes and compacts it. */
async function loadAndVacuum(server: Running, workloadDir: string): Promise<void> {
  const failed = await loadWorkload(server.otlpHttp, workloadDir)
  if (failed > 0) throw new Error(`${failed} requests of the workload failed`)
  await (await fetch(`http://${server.http}/api/v1/admin/vacuum`, { method: 'POST' })).arrayBuffer()
}

function sendSteadily(spec: SteadyLoadSpec): Promise<SteadyLoadReport> {
  return new Promise((resolveLoad, reject) => {
    const child = fork(new URL('./mixed-loadgen.ts', import.meta.url), [], { stdio: 'inherit' })
    child.once('message', (report) => resolveLoad(report as SteadyLoadReport))
    child.once('error', reject)
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load generator exited with ${code}`))))
    child.send(spec)
  })
}

/** Alternations of ingest alone and ingest with queries; each takes `seconds / ROUNDS`. */
const ROUNDS = 2

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * CPU ticks (1/100 s) of each thread of process `pid` by thread id, with the thread's kind: the
 * event loop, query threads (the workers at a lower niceness), other workers (decoding, the part
 * writer), V8's helper threads (garbage collection, compilation) and libuv's (file system,
 * compression). Empty where /proc is absent.
 */
export function threadTicks(pid: number): Map<number, { kind: string; ticks: number }> {
  const out = new Map<number, { kind: string; ticks: number }>()
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // Fields after the name, from 3 (state): utime 14, stime 15, nice 19.
      const ticks = Number(f[11]) + Number(f[12])
      const nice = Number(f[16])
      const kind = comm === 'MainThread' ? 'event loop' : comm === 'WorkerThread' ? (nice > 0 ? 'query threads' : 'other workers') : comm.startsWith('V8') ? 'V8 helpers' : comm.startsWith('libuv') ? 'libuv' : 'other'
      out.set(Number(tid), { kind, ticks })
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out
}

/** CPU ms a second by kind between two threadTicks readings `seconds` apart. */
function cpuBetween(before: Map<number, { kind: string; ticks: number }>, after: Map<number, { kind: string; ticks: number }>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [tid, t] of after) out[t.kind] = (out[t.kind] ?? 0) + ((t.ticks - (before.get(tid)?.ticks ?? 0)) * 10) / seconds
  return out
}

interface PhaseSamples {
  cpu: Record<string, number>[]
  pressure: number[]
  health: number[]
  exports: number[]
  exportFailures: number
  spansPerSecond: number[]
  queryMs: number[]
  queryErrors: number
  queries: boolean
  ingest: boolean
}

function emptySamples(ingest: boolean, queries: boolean): PhaseSamples {
  return { cpu: [], pressure: [], health: [], exports: [], exportFailures: 0, spansPerSecond: [], queryMs: [], queryErrors: 0, queries, ingest }
}

function figuresOf(s: PhaseSamples): PhaseFigures {
  const out: PhaseFigures = { healthP99: percentile(s.health, 99) }
  if (s.cpu.length > 0) {
    out.cpu = {}
    for (const kind of new Set(s.cpu.flatMap((c) => Object.keys(c)))) out.cpu[kind] = s.cpu.reduce((n, c) => n + (c[kind] ?? 0), 0) / s.cpu.length
  }
  if (s.pressure.length > 0) out.pressure = s.pressure.filter((l) => l > 0).length / s.pressure.length
  if (s.ingest) {
    out.exportP50 = percentile(s.exports, 50)
    out.exportP99 = percentile(s.exports, 99)
    out.spansPerSecond = median(s.spansPerSecond)
    out.exportFailures = s.exportFailures
  }
  if (s.queries) {
    out.queryP50 = s.queryMs.length === 0 ? NaN : median(s.queryMs)
    out.queries = s.queryMs.length
    out.queryErrors = s.queryErrors
  }
  return out
}

/** One phase, its samples added to `into`: /healthz probed throughout, with steady ingest and/or two query loops. */
async function phase(server: Running, into: PhaseSamples, options: { seconds: number; ingest?: SteadyLoadSpec; queries: boolean; window: { start: string; end: string } }): Promise<void> {
  const stopAt = performance.now() + options.seconds * 1000
  const { health, queryMs } = into
  const probe = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const t = performance.now()
      await (await fetch(`http://${server.http}/healthz`)).arrayBuffer()
      health.push(performance.now() - t)
      await sleep(10)
    }
  }
  const texts = heavyQueries()
  const queryLoop = async (first: number): Promise<void> => {
    for (let i = first; performance.now() < stopAt; i++) {
      const t = performance.now()
      const res = await fetch(`http://${server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: texts[i % texts.length], ...options.window }) })
      await res.arrayBuffer()
      if (res.status === 200) queryMs.push(performance.now() - t)
      else into.queryErrors++
    }
  }
  // The memory guard's level, read from /metrics every 250 ms: shedding changes what is measured.
  const watchPressure = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      const text = await (await fetch(`http://${server.http}/metrics`)).text()
      const m = /^blazedb_memory_pressure (\S+)$/m.exec(text)
      if (m !== null) into.pressure.push(Number(m[1]))
      await sleep(250)
    }
  }
  const ticks = threadTicks(server.pid)
  const began = performance.now()
  const load = options.ingest === undefined ? undefined : sendSteadily(options.ingest)
  const loops = options.queries ? [queryLoop(0), queryLoop(2)] : []
  const [report] = await Promise.all([load, probe(), watchPressure(), ...loops])
  into.cpu.push(cpuBetween(ticks, threadTicks(server.pid), (performance.now() - began) / 1000))
  if (report !== undefined) {
    into.exports.push(...report.latencies)
    into.spansPerSecond.push(report.spansPerSecond)
    into.exportFailures += Object.values(report.failures).reduce((a, b) => a + b, 0)
  }
}

async function measureServer(server: ServerUnderTest, options: Required<Omit<MixedOptions, 'servers' | 'seedDir'>> & { seedDir?: string }): Promise<ServerFigures> {
  const root = mkdtempSync(join(tmpdir(), 'blazedb-bench-mixed-'))
  const manifest = JSON.parse(readFileSync(join(options.workloadDir, 'manifest.json'), 'utf8')) as { counts: { spans: number }; window: { start_unix_nano: string; end_unix_nano: string } }
  if (options.seedDir !== undefined) cpSync(options.seedDir, join(root, 'data'), { recursive: true })
  const running = await startServer(server, join(root, 'data'))
  try {
    const began = performance.now()
    if (options.seedDir === undefined) await loadAndVacuum(running, options.workloadDir)
    const loadMs = performance.now() - began
    const window = { start: manifest.window.start_unix_nano, end: manifest.window.end_unix_nano }
    const spansPerRequest = manifest.counts.spans / loadBatches(options.workloadDir, 'traces').length
    // Rounds of ingest alone then with queries, so that a change in the machine's load over the
    // run (it is shared) weighs on both alike.
    const seconds = options.seconds / ROUNDS
    const ingest: SteadyLoadSpec = { address: running.otlpHttp, workloadDir: options.workloadDir, spansPerSecond: options.spansPerSecond, spansPerRequest, seconds }
    process.stderr.write(`mixed: ${server.label}: ${options.seedDir === undefined ? `loaded in ${fmt(loadMs / 1000, 1)} s` : `started on a copy of ${options.seedDir}`}\n`)
    const queriesAlone = emptySamples(false, true)
    const ingestAlone = emptySamples(true, false)
    const mixed = emptySamples(true, true)
    await phase(running, queriesAlone, { seconds: options.seconds / 2, queries: true, window })
    for (let round = 0; round < ROUNDS; round++) {
      await phase(running, ingestAlone, { seconds, ingest, queries: false, window })
      await phase(running, mixed, { seconds, ingest, queries: true, window })
    }
    return { label: server.label, loadMs, queriesAlone: figuresOf(queriesAlone), ingestAlone: figuresOf(ingestAlone), mixed: figuresOf(mixed) }
  } finally {
    await running.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

/**
 * Every server configuration, one after the other, each in a fresh process.
 * @example const { markdown } = await run({ workloadDir: ensureWorkload(DEFAULT_SIZE) })
 */
export async function run(options: MixedOptions): Promise<{ servers: ServerFigures[]; markdown: string }> {
  const o = { seconds: options.seconds ?? 20, spansPerSecond: options.spansPerSecond ?? 100_000, workloadDir: options.workloadDir, seedDir: options.seedDir }
  const servers: ServerFigures[] = []
  const list = options.servers ?? DEFAULT_SERVERS
  if (o.seedDir !== undefined && !existsSync(o.seedDir)) {
    mkdirSync(dirname(o.seedDir), { recursive: true })
    const seeding = await startServer(list[0], o.seedDir)
    try {
      await loadAndVacuum(seeding, o.workloadDir)
    } finally {
      await seeding.stop()
    }
  }
  for (const server of list) servers.push(await measureServer(server, o))
  return { servers, markdown: markdown(servers, o) }
}

function markdown(servers: ServerFigures[], o: { seconds: number; spansPerSecond: number }): string {
  const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '' : fmt(v, v < 100 ? 1 : 0))
  const head = servers.flatMap((s) => [`${s.label}: ingest alone`, `${s.label}: with 2 query loops`])
  const row = (name: string, f: (p: PhaseFigures, s: ServerFigures) => string) => `| ${name} | ${servers.flatMap((s) => [f(s.ingestAlone, s), f(s.mixed, s)]).join(' | ')} |`
  const lines = [
    `### Ingest under queries: ${fmt(o.spansPerSecond)} spans/s over OTLP/HTTP, then the same with two clients running heavy queries back to back (${o.seconds} s each)`,
    '',
    `| | ${head.join(' | ')} |`,
    `|---|${head.map(() => '---:').join('|')}|`,
    row('OTLP export p50, ms', (p) => ms(p.exportP50)),
    row('OTLP export p99, ms', (p) => ms(p.exportP99)),
    row('spans/s accepted', (p) => fmt(p.spansPerSecond ?? 0)),
    row('`/healthz` p99, ms', (p) => ms(p.healthP99)),
    row('query p50, ms', (p, s) => (p.queryP50 === undefined ? `(alone: ${ms(s.queriesAlone.queryP50)})` : ms(p.queryP50))),
    row('queries finished (errors)', (p, s) => (p.queries === undefined ? `(alone: ${s.queriesAlone.queries})` : `${p.queries} (${p.queryErrors})`)),
    '',
  ]
  const kinds = [...new Set(servers.flatMap((s) => [s.ingestAlone, s.mixed].flatMap((p) => Object.keys(p.cpu ?? {}))))].sort()
  if (kinds.length > 0) {
    lines.splice(lines.length - 1, 0, ...kinds.map((k) => row(`CPU ms/s: ${k}`, (p) => fmt(p.cpu?.[k] ?? 0))))
    lines.splice(lines.length - 1, 0, row('CPU ms/s: queries alone', (p, s) => (p === s.mixed ? '' : Object.entries(s.queriesAlone.cpu ?? {}).map(([k, v]) => `${k} ${fmt(v)}`).join(', '))))
  }
  lines.splice(lines.length - 1, 0, row('memory guard shedding, share of samples', (p) => (p.pressure === undefined ? '' : fmt(p.pressure, 2))))
  for (const s of servers) {
    const ratio = (s.mixed.exportP99 ?? NaN) / (s.ingestAlone.exportP99 ?? NaN)
    lines.push(`- ${s.label}: export p99 with queries / alone = ${fmt(ratio, 2)} (target at most 1.5); \`/healthz\` p99 with queries ${ms(s.mixed.healthP99)} ms (target under 25); ${s.mixed.queries} queries finished.`)
  }
  lines.push(
    '',
    `Each configuration is a fresh \`blazedb serve\` process loaded with the whole workload over OTLP/HTTP, then vacuumed (flushed and compacted), then measured: the two query loops alone (${o.seconds / 2} s), then ${ROUNDS} rounds of the steady spans alone and both at once (${o.seconds / ROUNDS} s each; figures over all rounds). The load generator is a child process sending open loop (each request leaves on schedule; latency counts from then); the spans it sends carry the workload's timestamps, so the queries read more rows as the phases go on. Queries: Q2, Q8, Q9, Q7 and spans per minute and service, over the workload's window; \`/healthz\` is probed every 10 ms.`,
  )
  return lines.join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' }, before: { type: 'string' }, 'threads-only': { type: 'boolean' }, seed: { type: 'string' }, repeat: { type: 'string' } } })
  if (values.workload === undefined && !existsSync(GENERATOR)) {
    console.log(`mixed: skipped: the reference workload generator ${GENERATOR} is absent`)
    process.exit(0)
  }
  const workloadDir = values.workload ?? ensureWorkload(DEFAULT_SIZE)
  const servers = values['threads-only'] === true ? DEFAULT_SERVERS.slice(1) : [...DEFAULT_SERVERS]
  if (values.before !== undefined) servers.unshift({ label: `before (${values.before})`, bin: resolve(values.before, 'bin/blazedb.js') })
  // --repeat N: the servers N times over, alternating (old, new, old, new...).
  const repeat = Number(values.repeat ?? 1)
  const { servers: figures, markdown: md } = await run({
    workloadDir,
    seconds: values.seconds === undefined ? undefined : Number(values.seconds),
    spansPerSecond: values.rate === undefined ? undefined : Number(values.rate),
    servers: Array.from({ length: repeat }, () => servers).flat(),
    seedDir: values.seed,
  })
  console.log(JSON.stringify(figures, null, 2))
  console.log(md)
}
