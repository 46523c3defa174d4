/**
 * @module bench/compare/blazedb-http
 * BlazeDB measured the way the peers are: a fresh `blazedb serve` process (bench/mixed.ts starts
 * it) loaded with the whole reference workload over OTLP/HTTP, vacuumed (flushed and compacted),
 * then the reference queries Q1..Q10 of test/support/workload-queries.ts through
 * `POST /api/v1/query`, each answer checked against the manifest, timed client side (median of
 * N runs). Q2 asks for nearest-rank percentiles only and Q10 for the p99 alone, so those parts
 * are what is checked there.
 * Run alone: node bench/compare/blazedb-http.ts [--workload DIR] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { referenceQueries } from '../../test/support/workload-queries.ts'
import { loadWorkload, startServer } from '../mixed.ts'
import { fmt, median, percentile } from '../support/measure.ts'
import { checkQ10Quantile, checkQ2NearestRank, type Row } from './answer-check.ts'
import { queryContext, type PeerResult } from './clickhouse.ts'
import { REFERENCE_QUERIES } from './duckdb-queries.ts'
import { runAlone, timeQuery } from './peer-process.ts'

const DEFAULT_RUNS = 10
const BIN = resolve(import.meta.dirname, '../../bin/blazedb.js')
const NS_PER_MINUTE = 60_000_000_000n
const NS_PER_5_MINUTES = 5n * NS_PER_MINUTE

/** RFC 3339 with up to nine fraction digits, as the API writes times, to epoch nanoseconds. */
export function nanosOf(time: string): bigint {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(time)
  if (m === null) throw new Error(`cannot read time ${time}: not RFC 3339 UTC`)
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
}

type Cells = unknown[]
/** The API's rows (arrays in column order) in the column names the manifest checks use. */
const SHAPE: Record<string, (r: Cells, start: bigint) => Row> = {
  Q1: (r) => ({ service_name: r[0], name: r[1], duration_ns: r[2], trace_hex: r[3], span_hex: r[4] }),
  Q2: (r) => ({ service_name: r[0], name: r[1], count: r[2], disc: [r[3], r[4], r[5]] }),
  Q3: (r) => ({ service_name: r[0], spans: r[1], errors: r[2], error_ratio: r[3] }),
  Q4: (r) => ({ span_id: r[0], parent_span_id: r[1] ?? '', service_name: r[2], name: r[3], start_time_unix_nano: String(nanosOf(String(r[4]))), duration_ns: r[5], status_code: r[6] }),
  Q5: (r) => ({ http_route: r[0], count: r[1] }),
  Q6: (r, start) => ({ minute: Number((nanosOf(String(r[0])) - start) / NS_PER_MINUTE), count: r[1] }),
  Q7: (r) => ({ service_name: r[0], count: r[1] }),
  Q8: (r) => ({ name: r[0], count: r[1] }),
  Q9: (r, start) => ({ http_route: r[0], bucket: Number((nanosOf(String(r[1])) - start) / NS_PER_5_MINUTES), increase: r[2], rate_per_s: r[3] }),
  Q10: (r) => ({ http_route: r[0], p99_s: r[1] }),
}
const CHECK: Record<string, (rows: Row[], expected: unknown) => void> = {
  ...Object.fromEntries(REFERENCE_QUERIES.map((q) => [q.id, q.check])),
  Q2: checkQ2NearestRank,
  Q10: checkQ10Quantile,
}

export async function run(options: { workloadDir: string; runs?: number }): Promise<PeerResult> {
  const runs = options.runs ?? DEFAULT_RUNS
  const { manifest, ctx } = queryContext(options.workloadDir)
  const root = mkdtempSync(join(tmpdir(), 'blazedb-compare-blazedb-'))
  const server = await startServer({ label: 'blazedb', bin: BIN }, join(root, 'data'))
  const figures: Record<string, number> = {}
  try {
    const loadStart = performance.now()
    const failed = await loadWorkload(server.otlpHttp, options.workloadDir)
    if (failed > 0) throw new Error(`cannot load the workload into BlazeDB: ${failed} OTLP requests failed`)
    await (await fetch(`http://${server.http}/api/v1/admin/vacuum`, { method: 'POST' })).arrayBuffer()
    figures['load.totalMs'] = performance.now() - loadStart
    const texts = referenceQueries({ slowTraceId: ctx.slowTraceId, errorService: ctx.errorService })
    const start = BigInt(ctx.start)
    const queryRows: string[] = []
    for (const q of REFERENCE_QUERIES) {
      const body = JSON.stringify({ query: texts[q.id as keyof typeof texts], start: ctx.start, end: ctx.end })
      const call = async (): Promise<Row[]> => {
        const res = await fetch(`http://${server.http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
        const json = (await res.json()) as { rows?: Cells[]; error?: { message: string } }
        if (res.status !== 200 || json.rows === undefined) throw new Error(`cannot run ${q.id} on BlazeDB: ${res.status} ${json.error?.message ?? ''}`)
        return json.rows.map((r) => SHAPE[q.id](r, start))
      }
      const { firstMs, times, answer } = await timeQuery(runs, call, (a) => CHECK[q.id](a, manifest.expected[q.id]))
      figures[`${q.id}.firstMs`] = firstMs
      figures[`${q.id}.medianMs`] = median(times)
      figures[`${q.id}.p95Ms`] = percentile(times, 95)
      queryRows.push(`| ${q.id} | ${q.question} | ${answer.length} | ${fmt(firstMs, 1)} | ${fmt(median(times), 1)} | ${fmt(percentile(times, 95), 1)} | ok |`)
    }
    const markdown = [
      '### BlazeDB over HTTP on the reference workload',
      '',
      `A fresh \`blazedb serve\` process loaded with the workload's OTLP requests over OTLP/HTTP, then vacuumed: ${fmt(figures['load.totalMs'])} ms. ` +
        `Queries through \`POST /api/v1/query\`: first run (answer checked against the manifest), then median and p95 of ${runs} runs, in ms.`,
      '',
      '| query | question | rows | first | median | p95 | answer |',
      '|---|---|---:|---:|---:|---:|---|',
      ...queryRows,
    ].join('\n')
    return { markdown, figures }
  } finally {
    await server.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

if (import.meta.main) await runAlone(run)
