/**
 * @module bench/alerts
 * 500 alert rules over the reference workload (issue: "evaluation time per interval, and the
 * ingest p99 while rules evaluate"):
 *
 * 1. Evaluation: the workload is loaded into the storage engine; the 500 rules' queries (p99
 *    latency per operation of one service, error ratios, error-log counts, timeout logs, request
 *    rates; 250 distinct, each with a warning and a critical threshold), with a 5 minute window
 *    at the end of the workload's hour, run one after another without sharing (the work of one
 *    interval, and the median per kind); then the rules run on their schedule:
 *    the sum of their evaluation times in one interval (which counts waiting for one another),
 *    their p50/p99/max, and the process's CPU time over one interval, in cores.
 * 2. Ingest: bench/ingest-http.ts's OTLP/HTTP spans run, once alone and once while the 500
 *    rules evaluate on the same store every `--interval` (the server's layout: one process).
 *
 * Run: node --max-old-space-size=8192 bench/alerts.ts [--small] [--rules 500] [--interval 10s]
 *      [--seconds 10] [--runs 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { AlertService } from '../alerts/index.ts'
import { createQueryService, runQuery } from '../query/index.ts'
import type { OtlpSignal } from '../ingest/index.ts'
import type { Store } from '../storage/index.ts'
import { run as ingestRun } from './ingest-http.ts'
import { fmt, percentile } from './support/measure.ts'
import { openTempEngine } from './support/temp-engine.ts'
import { DEFAULT_SIZE, SMALL_SIZE, ensureWorkload, otlpBatches } from './support/workload.ts'

/** The end of the workload's hour (SPEC.md: T0 = 2026-11-01T00:00:00Z): rules look back from here. */
const WORKLOAD_END = Date.parse('2026-11-01T01:00:00Z')

export interface AlertsBenchOptions {
  workloadDir: string
  rules?: number
  intervalMs?: number
  seconds?: number
  runs?: number
}

/**
 * `count` rules of five kinds in groups of 50, spread over the workload's services. Rules come
 * in pairs on one query (a warning and a critical threshold, which share one run); pairs
 * differ (a `count() as n<pair>` column of their own), so there are count / 2 distinct queries.
 */
export function benchRules(services: readonly string[], count: number, intervalMs: number): unknown {
  const kinds = [
    (s: string, j: number) => ({ query: `spans | where resource.service.name = "${s}" | stats p99(duration) as value, count() as n${j} by name`, unit: 'ms', base: 100 }),
    (s: string, j: number) => ({ query: `spans | where resource.service.name = "${s}" | stats count() as n${j}, countif(status = "error") as errors by service.name | extend errors / n${j} as value`, unit: '', base: 0.01 }),
    (s: string, j: number) => ({ query: `logs | where resource.service.name = "${s}" and severity >= 17 | stats count() as value, count() as n${j} by service.name`, unit: '', base: 1 }),
    (_: string, j: number) => ({ query: `logs | where body contains "timeout" | stats count() as value, count() as n${j} by service.name`, unit: '', base: 5 }),
    (_: string, j: number) => ({ query: `metrics | where metric.name = "http.server.request.count" | stats rate(value) as value, count() as n${j} by http.route`, unit: '', base: 1 }),
  ]
  const groups: { name: string; interval: string; rules: unknown[] }[] = []
  for (let i = 0; i < count; i++) {
    if (i % 50 === 0) groups.push({ name: `bench-${i / 50}`, interval: `${intervalMs}ms`, rules: [] })
    const pair = i >> 1
    const k = kinds[pair % kinds.length](services[Math.floor(pair / kinds.length) % services.length], pair)
    const threshold = i % 2 === 0 ? k.base : k.base * 5 // warning, then critical
    groups.at(-1)!.rules.push({ alert: `Rule${i}`, window: '5m', for: '1m', query: k.query, condition: `value > ${threshold}${k.unit}` })
  }
  return { groups }
}

async function startRules(store: Store, options: Required<AlertsBenchOptions>, services: readonly string[]): Promise<{ service: AlertService; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-bench-rules-'))
  const file = join(dir, 'rules.json')
  writeFileSync(file, JSON.stringify(benchRules(services, options.rules, options.intervalMs)))
  const offset = WORKLOAD_END - Date.now()
  // As in blazedb serve: rules run through the query threads, off the event loop that acknowledges exports.
  const queries = createQueryService({ store })
  const started = AlertService.start({
    config: { ruleFiles: [file] },
    defaultExternalUrl: 'http://127.0.0.1:4319',
    run: (text, o) => queries.run(text, o),
    docs: store.documents,
    sink: (tenant, batch) => store.append(tenant, batch),
    tenants: () => ['default'],
    now: () => Date.now() + offset,
  })
  // The service has read the file once started; `stop` ends it, then its query threads.
  const service = await started.finally(() => rmSync(dir, { recursive: true, force: true }))
  return {
    service,
    async stop() {
      await service.stop()
      await queries.close()
    },
  }
}

interface RuleFigure {
  evaluationMs: number | null
  lastEvaluation: string | null
  health: string
}

function ruleFigures(service: AlertService): RuleFigure[] {
  return (service.rules('default') as { rules: RuleFigure[] }[]).flatMap((g) => g.rules)
}

export async function run(o: AlertsBenchOptions): Promise<Record<string, number>> {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
  const options = { rules: 500, intervalMs: 10_000, seconds: 10, runs: 3, ...given } as Required<AlertsBenchOptions>
  const figures: Record<string, number> = {}

  // 1. Evaluation over the stored workload.
  const store = await openTempEngine()
  const signals: OtlpSignal[] = ['traces', 'logs', 'metrics']
  for (const signal of signals) for (const batch of otlpBatches(options.workloadDir, signal)) await store.append('default', batch)
  const services = (await runQuery('spans | stats count() by service.name | sort service.name', { store })).rows.map((r) => String(r[0]))
  // The queries alone, one after another, as one interval of the 500 rules runs them.
  const doc = benchRules(services, options.rules, options.intervalMs) as { groups: { rules: { query: string }[] }[] }
  const end = BigInt(WORKLOAD_END) * 1_000_000n
  const perKind: number[][] = [[], [], [], [], []]
  const sequentialBegan = performance.now()
  let i = 0
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      const t = performance.now()
      await runQuery(rule.query, { store, start: end - 300_000_000_000n, end })
      perKind[i++ % perKind.length].push(performance.now() - t)
    }
  }
  figures.sequentialQueriesMsPerInterval = performance.now() - sequentialBegan
  figures.distinctQueries = new Set(doc.groups.flatMap((g) => g.rules.map((r) => r.query))).size
  ;['p99ByOperation', 'errorRatio', 'errorLogs', 'timeoutLogs', 'requestRate'].forEach((name, k) => (figures[`queryMsMedian.${name}`] = percentile(perKind[k], 50)))
  // The process's CPU over one interval without rules: the engine's own background work.
  const idleCpu = process.cpuUsage()
  const idleBegan = performance.now()
  await new Promise((r) => setTimeout(r, options.intervalMs))
  const idle = process.cpuUsage(idleCpu)
  figures.processCpuCoresIdleInterval = (idle.user + idle.system) / 1000 / (performance.now() - idleBegan)
  const { service, stop: stopRules } = await startRules(store, options, services)
  // Every rule has run once; then the CPU of one full interval (no polling in it).
  while (ruleFigures(service).some((r) => r.lastEvaluation === null)) await new Promise((r) => setTimeout(r, 1000))
  const cpuBefore = process.cpuUsage()
  const wallBefore = performance.now()
  await new Promise((r) => setTimeout(r, options.intervalMs))
  const cpu = process.cpuUsage(cpuBefore)
  const wall = performance.now() - wallBefore
  const times = ruleFigures(service).map((r) => r.evaluationMs ?? 0)
  figures.rules = times.length
  figures.rulesWithErrors = ruleFigures(service).filter((r) => r.health === 'error').length
  figures.intervalMs = options.intervalMs
  figures.evaluationMsSumPerInterval = times.reduce((a, b) => a + b, 0)
  figures.evaluationMsP50 = percentile(times, 50)
  figures.evaluationMsP99 = percentile(times, 99)
  figures.evaluationMsMax = Math.max(...times)
  figures.processCpuCoresDuringInterval = (cpu.user + cpu.system) / 1000 / wall
  await stopRules()
  await store.close()

  // 2. Ingest p99 alone and while the rules evaluate on the same store.
  const ingest = (withRules: boolean) =>
    ingestRun({
      workloadDir: options.workloadDir,
      transports: ['http'],
      signals: ['traces'],
      seconds: options.seconds,
      runs: options.runs,
      store: async () => {
        const engine = await openTempEngine()
        if (!withRules) return engine
        const rules = await startRules(engine, options, services)
        const close = engine.close.bind(engine)
        engine.close = async () => {
          await rules.stop()
          await close()
        }
        return engine
      },
    })
  const alone = await ingest(false)
  const loaded = await ingest(true)
  figures.ingestP99MsAlone = alone['http.traces.p99LatencyMs'] as number
  figures.ingestP99MsWithRules = loaded['http.traces.p99LatencyMs'] as number
  figures.ingestSpansPerSecondAlone = alone['http.traces.spansPerSecond'] as number
  figures.ingestSpansPerSecondWithRules = loaded['http.traces.spansPerSecond'] as number
  figures.ingestP99Increase = figures.ingestP99MsWithRules / figures.ingestP99MsAlone - 1
  return figures
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { small: { type: 'boolean' }, rules: { type: 'string' }, interval: { type: 'string' }, seconds: { type: 'string' }, runs: { type: 'string' }, workload: { type: 'string' } } })
  const workloadDir = values.workload ?? ensureWorkload(values.small === true ? SMALL_SIZE : DEFAULT_SIZE)
  const interval = values.interval === undefined ? undefined : Number(/^(\d+)s$/.exec(values.interval)?.[1]) * 1000
  const figures = await run({ workloadDir, rules: values.rules === undefined ? undefined : Number(values.rules), intervalMs: interval, seconds: values.seconds === undefined ? undefined : Number(values.seconds), runs: values.runs === undefined ? undefined : Number(values.runs) })
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(36)} ${fmt(v, v < 10 ? 3 : 1)}`)
}
