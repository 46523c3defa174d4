/**
 * @module bench/compare/victoria-metrics
 * The metric side of the reference workload in VictoriaMetrics (Debian's victoria-metrics,
 * 1.79): a single-node server started by the benchmark on a free 127.0.0.1 port with a
 * temporary data directory, `metrics.prom` imported through /api/v1/import/prometheus, then Q9
 * and Q10 in MetricsQL over HTTP, answers checked against the manifest, timed client side
 * (median of N runs). Skipped, saying so, when the binary is not installed.
 *
 * - Timestamps: metrics.prom is OpenMetrics text (seconds); the Prometheus text that the import
 *   endpoint reads has milliseconds, so sample timestamps are scaled on the way in.
 * - `-retentionPeriod=100y`: the workload's hour may lie more than a month (the default) back.
 * - `-search.disableCache`: every timed run computes its answer; VictoriaMetrics would otherwise
 *   serve repeated range queries from its rollup result cache.
 * - Windows are `(t - 5m, t]` in PromQL; `offset 1ms` turns them into the workload's `[start, end)`
 *   buckets (timestamps are whole milliseconds).
 * Run alone: node bench/compare/victoria-metrics.ts [--workload DIR] [--runs N]
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fmt, median, percentile } from '../support/measure.ts'
import { checkQ10, checkQ9, type Row } from './answer-check.ts'
import { queryContext, type PeerResult } from './clickhouse.ts'
import { findBinary, freePort, packageVersion, runAlone, startPeer, timeQuery } from './peer-process.ts'

const DEFAULT_RUNS = 10
const BINARIES = ['victoria-metrics', '/usr/bin/victoria-metrics', 'victoria-metrics-prod']
/** Lines per import request. */
const LINES_PER_IMPORT = 100_000
/** How long imported samples may take to become searchable (VictoriaMetrics buffers them in memory first). */
const VISIBLE_DEADLINE_MS = 60_000
const SECONDS_PER_BUCKET = 300

interface PromSeries { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }

async function promQuery(url: string, path: string, params: Record<string, string>): Promise<PromSeries[]> {
  const res = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params) })
  const body = (await res.json()) as { status: string; data?: { result: PromSeries[] }; error?: string }
  if (res.status !== 200 || body.data === undefined) throw new Error(`cannot run MetricsQL ${params.query}: ${res.status} ${body.error ?? ''}`)
  return body.data.result
}

/** Streams metrics.prom into the import endpoint, seconds turned into milliseconds; returns the samples sent. */
async function importProm(url: string, file: string): Promise<number> {
  let lines: string[] = []
  let samples = 0
  const send = async (): Promise<void> => {
    const res = await fetch(`${url}/api/v1/import/prometheus`, { method: 'POST', body: lines.join('\n') + '\n' })
    const text = await res.text()
    if (res.status !== 204 && res.status !== 200) throw new Error(`cannot import into VictoriaMetrics: ${res.status} ${text.slice(0, 300)}`)
    samples += lines.length
    lines = []
  }
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line === '' || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    lines.push(`${line.slice(0, cut)} ${Math.round(Number(line.slice(cut + 1)) * 1000)}`)
    if (lines.length === LINES_PER_IMPORT) await send()
  }
  if (lines.length > 0) await send()
  return samples
}

export async function run(options: { workloadDir: string; runs?: number }): Promise<PeerResult> {
  const runs = options.runs ?? DEFAULT_RUNS
  const bin = findBinary(BINARIES)
  if (bin === undefined) {
    const skipped = 'victoria-metrics is not installed (`apt-get install -y victoria-metrics`)'
    return { skipped, markdown: `### VictoriaMetrics\n\nSkipped: ${skipped}.`, figures: {} }
  }
  const { manifest, ctx } = queryContext(options.workloadDir)
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-compare-victoria-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const args = [`-storageDataPath=${join(dir, 'data')}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.disableCache', '-loggerLevel=WARN']
  const server = await startPeer(bin, args, `${url}/health`, join(dir, 'stdout.log'))
  const figures: Record<string, number> = {}
  try {
    const t0 = Number(BigInt(ctx.start) / 1_000_000_000n)
    const t1 = Number(BigInt(ctx.end) / 1_000_000_000n)
    const loadStart = performance.now()
    const samples = await importProm(url, join(options.workloadDir, 'metrics.prom'))
    // Imported samples become searchable after a flush: poll until every one is counted.
    await fetch(`${url}/internal/force_flush`).then((r) => r.arrayBuffer())
    const deadline = performance.now() + VISIBLE_DEADLINE_MS
    let visible = 0
    while (visible < samples && performance.now() < deadline) {
      const r = await promQuery(url, '/api/v1/query', { query: `sum(count_over_time({__name__!=""}[${t1 - t0 + 60}s]))`, time: String(t1), nocache: '1' })
      visible = r.length === 0 ? 0 : Number(r[0].value?.[1])
      if (visible < samples) await new Promise((done) => setTimeout(done, 200))
    }
    if (visible !== samples) throw new Error(`cannot see the imported samples in VictoriaMetrics: ${visible} of ${samples} after ${VISIBLE_DEADLINE_MS} ms`)
    figures['load.totalMs'] = performance.now() - loadStart
    figures.samples = samples

    // Q9: the increase per route in each 5-minute bucket; rate = increase / 300 s.
    const q9 = {
      query: 'sum by (http_route) (increase_pure(http_server_request_count_total[5m] offset 1ms))',
      start: String(t0 + SECONDS_PER_BUCKET), end: String(t1), step: `${SECONDS_PER_BUCKET}s`, nocache: '1',
    }
    const q9Rows = (series: PromSeries[]): Row[] =>
      series.flatMap((s) => (s.values ?? []).map(([ts, v]) => ({ http_route: s.metric.http_route, bucket: (ts - t0) / SECONDS_PER_BUCKET - 1, increase: Number(v), rate_per_s: Number(v) / SECONDS_PER_BUCKET })))
    // Q10: histogram_quantile over the summed last cumulative point of every series of a route.
    const lastBuckets = 'sum by (http_route, le) (last_over_time(http_server_request_duration_seconds_bucket[1h] offset 1ms))'
    const q10 = { query: `histogram_quantile(0.99, ${lastBuckets})`, time: String(t1), nocache: '1' }
    // The bucket counts the check needs too come from the summed buckets themselves (not timed).
    const bucketsByRoute = new Map<string, [number, number][]>()
    for (const s of await promQuery(url, '/api/v1/query', { ...q10, query: lastBuckets })) {
      const le = s.metric.le === '+Inf' ? Infinity : Number(s.metric.le)
      bucketsByRoute.set(s.metric.http_route, [...(bucketsByRoute.get(s.metric.http_route) ?? []), [le, Number(s.value?.[1])]])
    }
    const q10Rows = (series: PromSeries[]): Row[] =>
      series.map((s) => {
        const cumulative = (bucketsByRoute.get(s.metric.http_route) ?? []).sort((a, b) => a[0] - b[0]).map(([, n]) => n)
        return { http_route: s.metric.http_route, count: cumulative.at(-1), bucket_counts: cumulative.map((n, i) => n - (i === 0 ? 0 : cumulative[i - 1])), p99_s: Number(s.value?.[1]) }
      })

    const queries = [
      { id: 'Q9', question: 'request rate per route, 5-minute buckets', text: q9.query, call: async () => q9Rows(await promQuery(url, '/api/v1/query_range', q9)), check: (r: Row[]) => checkQ9(r, manifest.expected.Q9) },
      { id: 'Q10', question: 'p99 per route from histogram buckets', text: q10.query, call: async () => q10Rows(await promQuery(url, '/api/v1/query', q10)), check: (r: Row[]) => checkQ10(r, manifest.expected.Q10) },
    ]
    const queryRows: string[] = []
    for (const q of queries) {
      const { firstMs, times, answer } = await timeQuery(runs, q.call, q.check)
      figures[`${q.id}.firstMs`] = firstMs
      figures[`${q.id}.medianMs`] = median(times)
      figures[`${q.id}.p95Ms`] = percentile(times, 95)
      queryRows.push(`| ${q.id} | ${q.question} | \`${q.text}\` | ${answer.length} | ${fmt(firstMs, 1)} | ${fmt(median(times), 1)} | ${fmt(percentile(times, 95), 1)} | ok |`)
    }
    const version = packageVersion('victoria-metrics')
    const markdown = [
      `### VictoriaMetrics ${version} over HTTP on the reference workload's metrics`,
      '',
      `metrics.prom imported through /api/v1/import/prometheus (${fmt(samples)} samples, searchable after ${fmt(figures['load.totalMs'])} ms); ` +
        'started with `-search.disableCache` so that each timed run computes its answer. Q9 is a range query (step 5m), Q10 an instant query at the end of the hour.',
      '',
      `First run (answer checked against the manifest), then median and p95 of ${runs} runs, in ms.`,
      '',
      '| query | question | MetricsQL | rows | first | median | p95 | answer |',
      '|---|---|---|---:|---:|---:|---:|---|',
      ...queryRows,
    ].join('\n')
    return { markdown, figures }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) await runAlone(run)
