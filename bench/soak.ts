/**
 * @module bench/soak
 * Memory under steady live traffic: a fresh `blazedb serve` process takes spans, log records
 * and metric points at steady rates, stamped with the current time (a load generator process,
 * bench/mixed-loadgen.ts), while a dashboard-like client runs a set of panel queries over the
 * last minutes every few seconds. Every 5 s it samples the server's resident memory (and its
 * peak and parts, from /proc), each kind of thread's V8 heap and ArrayBuffers (its /metrics), the export
 * latencies and the query latencies. Reported: a table over time, RSS after 1 min, at the 5th
 * minute and at the end, the slope of the last minutes, export p99 and query p50/p99; at the end
 * every record sent is counted back by a query (nothing lost).
 * Run alone: `node bench/soak.ts [--minutes 3] [--spans 20000] [--logs 20000] [--points 50000]
 * [--window 5] [--every 2] [--memory-limit 768MiB] [--no-queries] [--bin OTHER/bin/blazedb.js] [--workload DIR]`.
 */
import { fork } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { OVERVIEW_DASHBOARD, substituteVariables } from '../dashboards/index.ts'
import type { OtlpSignal } from '../ingest/index.ts'
import { loadBatches } from './ingest-workload.ts'
import type { SteadyLoadProgress, SteadyLoadReport, SteadyLoadSpec } from './mixed-loadgen.ts'
import { startServer, type Running } from './mixed.ts'
import { fmt, median, percentile } from './support/measure.ts'
import { retimeTemplate } from './support/otlp-retime.ts'
import { DEFAULT_SIZE, ensureWorkload, GENERATOR } from './support/workload.ts'

export interface SoakOptions {
  workloadDir: string
  /** Minutes of traffic (3). */
  minutes?: number
  /** Records a second of each signal (issue 15's live traffic: 20k spans, 20k log records, 50k points). */
  rates?: Record<OtlpSignal, number>
  /** Run the dashboard client (true). */
  queries?: boolean
  /** Minutes each panel query looks back (5), and seconds between refreshes (2). */
  windowMinutes?: number
  refreshSeconds?: number
  /** Fields added to the server's config file (e.g. `memoryLimit`). */
  config?: Record<string, unknown>
  /** The server's bin/blazedb.js (this checkout's by default; another checkout's for a before/after). */
  bin?: string
}

export interface SoakSample {
  /** Seconds since traffic began. */
  at: number
  rssMiB: number
  peakRssMiB: number
  heapUsedMiB: number
  externalMiB: number
  /** Resident anonymous and file-backed memory (/proc), MiB. */
  rssAnonMiB: number
  rssFileMiB: number
  /** Per kind of thread (main, query, part-writer, decode): V8 heap used and reserved, and ArrayBuffers held, summed over its threads, MiB. */
  threads: Record<string, { heapMiB: number; heapTotalMiB: number; arrayBuffersMiB: number }>
  /** The query threads' shared block cache, and its budget now (the memory guard sizes it), MiB; the guard's pressure level (0 none, 1 queries shed, 2 ingest refused too). */
  blockCacheMiB: number
  blockCacheBudgetMiB: number
  pressure: number
  /** The memory guard's decisions so far (cli/memory-guard.ts: shrink, regrow, climb, spike, pace), from /metrics. */
  guard: Record<string, number>
  /** Resident memory of the C allocator's arenas (/proc smaps): the main one (the brk heap) and the other threads' (64 MiB-aligned mappings), MiB. */
  mallocMainMiB: number
  mallocThreadsMiB: number
  exportP99: number
  exports: number
  exportFailures: number
  queryP50: number
  queryP99: number
  queries: number
  queryErrors: number
}

export interface SoakFigures {
  minutes: number
  samples: SoakSample[]
  rssAfter1MinMiB: number
  rssAt5MinMiB: number
  rssEndMiB: number
  peakRssMiB: number
  /** Least-squares slope of RSS over the last minutes (half the run, at most 5 minutes), MiB/min. */
  slopeMiBPerMin: number
  slopeMinutes: number
  exportP99: number
  queryP50: number
  queryP99: number
  queries: number
  queryErrors: number
  /** Failed dashboard queries by error code (the body's `error.code`; NETWORK: no answer). */
  queryErrorCodes: Record<string, number>
  /** The memory guard's decisions over the run (its last sample). */
  guard: Record<string, number>
  /** Records sent and acknowledged, and counted back by queries at the end, per signal. */
  sent: Record<OtlpSignal, number>
  stored: Record<OtlpSignal, number>
  /** Exports not acknowledged (429 when the server sheds load, errors), by answer; the generator does not retry them. */
  refused: Record<string, number>
}

const SAMPLE_MS = 5000
const DEFAULT_RATES: Record<OtlpSignal, number> = { traces: 20_000, logs: 20_000, metrics: 50_000 }
const STORED: Record<OtlpSignal, string> = { traces: 'spans', logs: 'logs', metrics: 'metrics' }

/** The panels a dashboard left open refreshes: the built-in overview's, and a metric rate. */
function panelQueries(service = 'payment-service'): string[] {
  return [
    ...OVERVIEW_DASHBOARD.panels.map((p) => substituteVariables(p.query, { service })),
    'metrics | where metric.name = "http.server.request.count" | stats rate(value) by http.route, bin(time, 1m)',
  ]
}

/** Kinds of threads the server reports (storage's thread-memory.ts). */
const THREAD_KINDS = ['main', 'query', 'part-writer', 'decode']

type MemorySample = Pick<SoakSample, 'rssMiB' | 'peakRssMiB' | 'heapUsedMiB' | 'externalMiB' | 'rssAnonMiB' | 'rssFileMiB' | 'threads' | 'blockCacheMiB' | 'blockCacheBudgetMiB' | 'pressure' | 'guard' | 'mallocMainMiB' | 'mallocThreadsMiB'>

/** glibc's heaps for threads other than the first are mapped 64 MiB-aligned, at most 64 MiB. */
const ARENA_BYTES = 64 * 2 ** 20

/** Resident KiB of the allocator's arenas from /proc/PID/smaps: the brk heap, and the threads' arenas. */
function arenas(pid: number): { main: number; threads: number } {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8')
  } catch {
    return { main: NaN, threads: NaN }
  }
  let main = 0
  let threads = 0
  let kind: 'main' | 'threads' | undefined
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (m !== null) {
      const start = parseInt(m[1], 16)
      const size = parseInt(m[2], 16) - start
      kind = m[4] === '[heap]' ? 'main' : m[4] === '' && m[3].startsWith('rw') && start % ARENA_BYTES === 0 && size <= ARENA_BYTES ? 'threads' : undefined
    } else if (kind !== undefined && line.startsWith('Rss:')) {
      const kib = Number(line.split(/\s+/)[1])
      if (kind === 'main') main += kib
      else threads += kib
    }
  }
  return { main: main / 1024, threads: threads / 1024 }
}

/** The server's memory: /proc for resident memory and its peak (Linux), /metrics for every thread's heap and buffers. */
async function memory(server: Running): Promise<MemorySample> {
  const text = await (await fetch(`http://${server.http}/metrics`, { headers: { accept: 'text/plain' } })).text()
  const metric = (name: string, labels = ''): number => Number(new RegExp(`^${name}${labels.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20
  const status = existsSync(`/proc/${server.pid}/status`) ? readFileSync(`/proc/${server.pid}/status`, 'utf8') : ''
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024
  const rss = status === '' ? metric('process_resident_memory_bytes') : kib('VmRSS')
  const threads: MemorySample['threads'] = {}
  for (const kind of THREAD_KINDS) {
    const labels = `{thread="${kind}"}`
    threads[kind] = { heapMiB: metric('blazedb_thread_heap_used_bytes', labels), heapTotalMiB: metric('blazedb_thread_heap_total_bytes', labels), arrayBuffersMiB: metric('blazedb_thread_array_buffers_bytes', labels) }
  }
  return {
    rssMiB: rss,
    peakRssMiB: status === '' ? rss : kib('VmHWM'),
    heapUsedMiB: metric('nodejs_heap_used_bytes'),
    externalMiB: metric('nodejs_external_memory_bytes'),
    rssAnonMiB: kib('RssAnon'),
    rssFileMiB: kib('RssFile'),
    threads,
    blockCacheMiB: metric('blazedb_query_block_cache_bytes'),
    blockCacheBudgetMiB: metric('blazedb_query_block_cache_budget_bytes'),
    pressure: metric('blazedb_memory_pressure') * 2 ** 20,
    guard: Object.fromEntries(['shrink', 'regrow', 'climb', 'spike', 'pace'].map((decision) => [decision, metric('blazedb_memory_guard_decisions_total', `{decision="${decision}"}`) * 2 ** 20])),
    ...(({ main, threads }) => ({ mallocMainMiB: main, mallocThreadsMiB: threads }))(arenas(server.pid)),
  }
}

async function countStored(server: Running, signal: OtlpSignal, start: bigint, end: bigint): Promise<number> {
  const res = await fetch(`http://${server.http}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `${STORED[signal]} | stats count() as n`, start: String(start), end: String(end) }),
  })
  const body = (await res.json()) as { rows?: unknown[][]; error?: unknown }
  if (res.status !== 200) throw new Error(`cannot count ${signal}: ${JSON.stringify(body)}`)
  return Number(body.rows?.[0]?.[0] ?? 0)
}

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length
  if (n < 2) return NaN
  const mx = points.reduce((a, p) => a + p.x, 0) / n
  const my = points.reduce((a, p) => a + p.y, 0) / n
  const sxy = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0)
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0)
  return sxy / sxx
}

/**
 * One soak run against a fresh server.
 * @example const { markdown } = await run({ workloadDir: ensureWorkload(DEFAULT_SIZE), minutes: 3 })
 */
export async function run(options: SoakOptions): Promise<{ figures: SoakFigures; markdown: string }> {
  const minutes = options.minutes ?? 3
  const rates = options.rates ?? DEFAULT_RATES
  const windowNs = BigInt(Math.round((options.windowMinutes ?? 5) * 60)) * 1_000_000_000n
  const refreshMs = (options.refreshSeconds ?? 2) * 1000
  const root = mkdtempSync(join(tmpdir(), 'blazedb-bench-soak-'))
  const server = await startServer({ label: 'soak', bin: options.bin ?? resolve(import.meta.dirname, '../bin/blazedb.js'), config: options.config }, join(root, 'data'))
  try {
    const signals = (Object.keys(rates) as OtlpSignal[]).filter((s) => rates[s] > 0)
    const specs: SteadyLoadSpec[] = signals.map((signal) => {
      const bodies = loadBatches(options.workloadDir, signal)
      const perRequest = bodies.slice(0, 20).reduce((n, b) => n + retimeTemplate(signal, b).records, 0) / Math.min(20, bodies.length)
      return { address: server.otlpHttp, workloadDir: options.workloadDir, signal, spansPerSecond: rates[signal], spansPerRequest: perRequest, seconds: minutes * 60, currentTime: true, progressEveryMs: SAMPLE_MS }
    })
    const began = BigInt(Date.now()) * 1_000_000n
    const t0 = performance.now()
    let window = { exports: [] as number[], exportFailures: 0, queryMs: [] as number[], queryErrors: 0 }
    const all = { queryMs: [] as number[], queryErrors: 0, queryErrorCodes: {} as Record<string, number> }
    const samples: SoakSample[] = []
    const child = fork(new URL('./mixed-loadgen.ts', import.meta.url), [], { stdio: 'inherit' })
    const reports = new Promise<SteadyLoadReport[]>((done, reject) => {
      child.on('message', (m) => {
        const progress = (m as SteadyLoadProgress).progress
        if (progress === undefined) return done(m as SteadyLoadReport[])
        for (const p of progress) window.exports.push(...p.latencies), (window.exportFailures += p.failures)
      })
      child.once('error', reject)
      child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load generator exited with ${code}`))))
    })
    child.send(specs)
    let running = true
    const texts = panelQueries()
    const dashboard = async (): Promise<void> => {
      while (running) {
        const refreshed = performance.now()
        const end = BigInt(Date.now()) * 1_000_000n
        // The panels of one refresh at once, as a browser loads a dashboard.
        await Promise.all(
          texts.map(async (query) => {
            const t = performance.now()
            // A connection the server closed as idle just as the request left fails: an error, not the end of the run.
            const failure = await fetch(`http://${server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, start: String(end - windowNs), end: String(end) }) }).then(
              async (res) => (res.status === 200 ? (await res.arrayBuffer(), undefined) : errorCode(res, query)),
              () => 'NETWORK',
            )
            if (failure === undefined) window.queryMs.push(performance.now() - t), all.queryMs.push(performance.now() - t)
            else window.queryErrors++, all.queryErrors++, (all.queryErrorCodes[failure] = (all.queryErrorCodes[failure] ?? 0) + 1)
          }),
        )
        const wait = refreshMs - (performance.now() - refreshed)
        if (wait > 0 && running) await new Promise((r) => setTimeout(r, wait))
      }
    }
    const client = options.queries === false ? Promise.resolve() : dashboard()
    const sampler = setInterval(() => {
      const w = window
      window = { exports: [], exportFailures: 0, queryMs: [], queryErrors: 0 }
      void memory(server).then((m) => {
        const sample: SoakSample = {
          at: (performance.now() - t0) / 1000,
          ...m,
          exportP99: w.exports.length === 0 ? NaN : percentile(w.exports, 99),
          exports: w.exports.length,
          exportFailures: w.exportFailures,
          queryP50: w.queryMs.length === 0 ? NaN : median(w.queryMs),
          queryP99: w.queryMs.length === 0 ? NaN : percentile(w.queryMs, 99),
          queries: w.queryMs.length,
          queryErrors: w.queryErrors,
        }
        samples.push(sample)
        const threads = THREAD_KINDS.map((k) => `${k} ${fmt(sample.threads[k].heapMiB)}/${fmt(sample.threads[k].heapTotalMiB)}+${fmt(sample.threads[k].arrayBuffersMiB)}`).join(', ')
        process.stderr.write(`soak: ${fmt(sample.at)} s  rss ${fmt(sample.rssMiB)} MiB (peak ${fmt(sample.peakRssMiB)}, anon ${fmt(sample.rssAnonMiB)}, file ${fmt(sample.rssFileMiB)}), heap used/reserved+buffers ${threads}, block cache ${fmt(sample.blockCacheMiB)} of ${fmt(sample.blockCacheBudgetMiB)}, pressure ${sample.pressure}, guard ${Object.entries(sample.guard).map(([k, n]) => `${k} ${n}`).join(' ')}, malloc arenas main ${fmt(sample.mallocMainMiB)} threads ${fmt(sample.mallocThreadsMiB)}; export p99 ${fmt(sample.exportP99)} ms (${sample.exports}, ${sample.exportFailures} refused); query p50 ${fmt(sample.queryP50)} p99 ${fmt(sample.queryP99)} ms (${sample.queries}, ${sample.queryErrors} errors)\n`)
      }, (error: Error) => process.stderr.write(`soak: no sample: ${error.message}\n`))
    }, SAMPLE_MS)
    const sent = await reports
    clearInterval(sampler)
    running = false
    await client
    const ended = BigInt(Date.now()) * 1_000_000n
    // Every record carries a time within the run (the latest of its request was stamped when
    // sent, the others at most the workload's spread before it: an hour at the very most).
    const stored = {} as Record<OtlpSignal, number>
    const sentBy = {} as Record<OtlpSignal, number>
    for (const r of sent) {
      sentBy[r.signal] = r.records
      stored[r.signal] = await countStored(server, r.signal, began - 3_600_000_000_000n, ended + 60_000_000_000n)
    }
    const exports = sent.flatMap((r) => r.latencies)
    const refused: Record<string, number> = {}
    for (const r of sent) for (const [k, n] of Object.entries(r.failures)) refused[k] = (refused[k] ?? 0) + n
    const figures = { ...summarise(samples, minutes, exports, all, sentBy, stored), refused }
    return { figures, markdown: markdown(figures, rates, options) }
  } finally {
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

/** The last message seen per error code, for the report. */
const errorExamples = new Map<string, string>()

/** The code of a failed query's answer (`{ error: { code, message } }`), or its HTTP status. */
async function errorCode(res: Response, query: string): Promise<string> {
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; message?: unknown } } | undefined
  const code = typeof body?.error?.code === 'string' ? body.error.code : `HTTP ${res.status}`
  errorExamples.set(code, `${query}: ${String(body?.error?.message ?? '')}`)
  return code
}

function summarise(samples: SoakSample[], minutes: number, exports: number[], all: { queryMs: number[]; queryErrors: number; queryErrorCodes: Record<string, number> }, sent: Record<OtlpSignal, number>, stored: Record<OtlpSignal, number>): Omit<SoakFigures, 'refused'> {
  const at = (seconds: number): number => samples.find((s) => s.at >= seconds - 0.5)?.rssMiB ?? NaN
  const slopeMinutes = Math.min(5, minutes / 2)
  const last = samples.filter((s) => s.at >= minutes * 60 - slopeMinutes * 60)
  return {
    minutes,
    samples,
    rssAfter1MinMiB: at(60),
    rssAt5MinMiB: at(300),
    rssEndMiB: samples.at(-1)?.rssMiB ?? NaN,
    guard: samples.at(-1)?.guard ?? {},
    peakRssMiB: Math.max(...samples.map((s) => s.peakRssMiB)),
    slopeMiBPerMin: slope(last.map((s) => ({ x: s.at / 60, y: s.rssMiB }))),
    slopeMinutes,
    exportP99: percentile(exports, 99),
    queryP50: all.queryMs.length === 0 ? NaN : median(all.queryMs),
    queryP99: all.queryMs.length === 0 ? NaN : percentile(all.queryMs, 99),
    queries: all.queryMs.length,
    queryErrors: all.queryErrors,
    queryErrorCodes: all.queryErrorCodes,
    sent,
    stored,
  }
}

function markdown(f: SoakFigures, rates: Record<OtlpSignal, number>, options: SoakOptions): string {
  const n = (v: number, d = 0) => (Number.isNaN(v) ? '' : fmt(v, d))
  const u = (v: number, unit: string, d = 0) => (Number.isNaN(v) ? '–' : `${fmt(v, d)} ${unit}`)
  const lost = (Object.keys(f.sent) as OtlpSignal[]).map((s) => `${STORED[s]} ${fmt(f.stored[s])} of ${fmt(f.sent[s])}`).join(', ')
  // One row a minute (every 30 s in short runs), and the last sample.
  const step = f.minutes <= 5 ? 30 : 60
  const rows = f.samples.filter((s, i) => Math.round(s.at) % step < SAMPLE_MS / 1000 || i === f.samples.length - 1)
  const queries = options.queries === false ? 'no queries' : `a dashboard client refreshing ${panelQueries().length} panel queries over the last ${options.windowMinutes ?? 5} min every ${options.refreshSeconds ?? 2} s`
  return [
    `### Soak: ${f.minutes} min of live traffic (${fmt(rates.traces)} spans/s, ${fmt(rates.logs)} log records/s, ${fmt(rates.metrics)} points/s, current timestamps) and ${queries}${options.config === undefined ? '' : `; config ${JSON.stringify(options.config)}`}`,
    '',
    '| RSS after 1 min | RSS at 5 min | RSS at the end | peak RSS | slope, last minutes | export p99 | query p50 | query p99 | queries (errors) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${u(f.rssAfter1MinMiB, 'MiB')} | ${u(f.rssAt5MinMiB, 'MiB')} | ${u(f.rssEndMiB, 'MiB')} | ${u(f.peakRssMiB, 'MiB')} | ${u(f.slopeMiBPerMin, 'MiB/min', 1)} (last ${n(f.slopeMinutes, 1)} min) | ${u(f.exportP99, 'ms')} | ${u(f.queryP50, 'ms')} | ${u(f.queryP99, 'ms')} | ${f.queries} (${f.queryErrors}) |`,
    '',
    `| time | RSS, MiB | anon | file | ${THREAD_KINDS.map((k) => `${k} heap | ${k} buffers`).join(' | ')} | block cache | malloc main | malloc threads | export p99, ms | query p50, ms | query p99, ms |`,
    `|---:|---:|---:|---:|${THREAD_KINDS.map(() => '---:|---:|').join('')}---:|---:|---:|---:|---:|---:|`,
    ...rows.map((s) => `| ${fmt(s.at / 60, 1)} min | ${n(s.rssMiB)} | ${n(s.rssAnonMiB)} | ${n(s.rssFileMiB)} | ${THREAD_KINDS.map((k) => `${n(s.threads[k].heapMiB)} | ${n(s.threads[k].arrayBuffersMiB)}`).join(' | ')} | ${n(s.blockCacheMiB)} | ${n(s.mallocMainMiB)} | ${n(s.mallocThreadsMiB)} | ${n(s.exportP99)} | ${n(s.queryP50)} | ${n(s.queryP99)} |`),
    '',
    `Failed dashboard queries by code: ${Object.keys(f.queryErrorCodes).length === 0 ? 'none' : Object.entries(f.queryErrorCodes).map(([k, n]) => `${k} ${n} (last: ${errorExamples.get(k) ?? '?'})`).join(', ')}. Memory guard over the run: ${Object.entries(f.guard).map(([k, n]) => `${k} ${n}`).join(', ')} (cli/memory-guard.ts). Counted back at the end: ${lost} acknowledged${Object.keys(f.refused).length === 0 ? '' : ` (exports not acknowledged, not retried: ${Object.entries(f.refused).map(([k, n]) => `${fmt(n)} ${k}`).join(', ')})`}. A fresh \`blazedb serve\` process; the load generator (bench/mixed-loadgen.ts, a child process) replays the workload's OTLP/HTTP requests open loop with their timestamps moved to now; samples every ${SAMPLE_MS / 1000} s (RSS and its anonymous and file-backed parts from /proc; per kind of thread, V8 heap used and the ArrayBuffers it allocated that are alive, summed over its threads, from /metrics, MiB: a buffer counts once, in the thread that made it, wherever it is held (the decoding threads' count the head's batches, the main thread's the request bodies being decoded); the query threads' shared block cache as it estimates itself; the C allocator's arenas from /proc smaps, the main one and the other threads'); latencies per sample window, figures in the first table over the whole run.`,
  ].join('\n')
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      minutes: { type: 'string' },
      spans: { type: 'string' },
      logs: { type: 'string' },
      points: { type: 'string' },
      window: { type: 'string' },
      every: { type: 'string' },
      'memory-limit': { type: 'string' },
      'no-queries': { type: 'boolean' },
      bin: { type: 'string' },
    },
  })
  if (values.workload === undefined && !existsSync(GENERATOR)) {
    console.log(`soak: skipped: the reference workload generator ${GENERATOR} is absent`)
    process.exit(0)
  }
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v))
  const { figures, markdown: md } = await run({
    workloadDir: values.workload ?? ensureWorkload(DEFAULT_SIZE),
    minutes: num(values.minutes, 3),
    rates: { traces: num(values.spans, DEFAULT_RATES.traces), logs: num(values.logs, DEFAULT_RATES.logs), metrics: num(values.points, DEFAULT_RATES.metrics) },
    queries: values['no-queries'] !== true,
    windowMinutes: num(values.window, 5),
    refreshSeconds: num(values.every, 2),
    bin: values.bin,
    config: values['memory-limit'] === undefined ? undefined : { memoryLimit: values['memory-limit'] },
  })
  console.log(JSON.stringify({ ...figures, samples: undefined }, null, 2))
  console.log(md)
}
