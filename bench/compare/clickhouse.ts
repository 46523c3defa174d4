/**
 * @module bench/compare/clickhouse
 * BlazeDB's reference workload in ClickHouse (Debian's clickhouse-server, 18.16): a server
 * started by the benchmark on free 127.0.0.1 ports with a temporary data directory, the flat
 * NDJSON files loaded over its HTTP interface, then Q1..Q10 in ClickHouse SQL over HTTP, each
 * answer checked against the manifest, timed client side (median of N runs). Skipped, saying so,
 * when the binary is not installed.
 * Run alone: node bench/compare/clickhouse.ts [--workload DIR] [--runs N]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fmt, median, percentile } from '../support/measure.ts'
import type { Row } from './answer-check.ts'
import { CLICKHOUSE_QUERIES } from './clickhouse-queries.ts'
import { CLICKHOUSE_TABLES, clickhouse, loadTable, serverConfig } from './clickhouse-tables.ts'
import type { QueryContext } from './duckdb-queries.ts'
import { findBinary, freePort, runAlone, startPeer, timeQuery } from './peer-process.ts'

const DEFAULT_RUNS = 10
/** Where Debian's clickhouse-server package puts the server binary. */
const BINARIES = ['clickhouse-server', '/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']

export interface PeerResult {
  /** Set when the peer was not run, with the reason. */
  skipped?: string
  markdown: string
  /** `Q1.medianMs` etc., plus load figures. */
  figures: Record<string, number>
}

interface Manifest {
  window: { start_unix_nano: string; end_unix_nano: string }
  fixed: { slow_trace_id: string; error_service: string }
  expected: Record<string, unknown>
}

export function queryContext(workloadDir: string): { manifest: Manifest; ctx: QueryContext } {
  const manifest = JSON.parse(readFileSync(join(workloadDir, 'manifest.json'), 'utf8')) as Manifest
  const ctx = { start: manifest.window.start_unix_nano, end: manifest.window.end_unix_nano, slowTraceId: manifest.fixed.slow_trace_id, errorService: manifest.fixed.error_service }
  return { manifest, ctx }
}

export async function run(options: { workloadDir: string; runs?: number }): Promise<PeerResult> {
  const runs = options.runs ?? DEFAULT_RUNS
  const bin = findBinary(BINARIES)
  if (bin === undefined) {
    const skipped = 'clickhouse-server is not installed (`apt-get install -y clickhouse-server`)'
    return { skipped, markdown: `### ClickHouse\n\nSkipped: ${skipped}.`, figures: {} }
  }
  const { manifest, ctx } = queryContext(options.workloadDir)
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-compare-clickhouse-'))
  for (const sub of ['data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub))
  const [httpPort, tcpPort] = [await freePort(), await freePort()]
  const url = `http://127.0.0.1:${httpPort}`
  const server = await startPeer(bin, [`--config-file=${serverConfig(dir, httpPort, tcpPort)}`], `${url}/?query=SELECT%201`, join(dir, 'stdout.log'))
  const figures: Record<string, number> = {}
  try {
    const version = (await clickhouse(url, 'SELECT version()')).trim()
    const loadStart = performance.now()
    const rows: Record<string, number> = {}
    for (const table of CLICKHOUSE_TABLES) {
      const t = performance.now()
      rows[table.name] = await loadTable(url, options.workloadDir, table)
      figures[`load.${table.name}Ms`] = performance.now() - t
    }
    // Merge each table's parts as a loaded table would be after a while.
    for (const table of CLICKHOUSE_TABLES) await clickhouse(url, `OPTIMIZE TABLE ${table.name} FINAL`)
    figures['load.totalMs'] = performance.now() - loadStart
    const bytes = JSON.parse(await clickhouse(url, "SELECT table, sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database = 'default' GROUP BY table FORMAT JSON")) as { data: { table: string; b: string }[] }
    const queryRows: string[] = []
    for (const query of CLICKHOUSE_QUERIES) {
      const sql = `${query.sql(ctx)} FORMAT JSON`
      const call = async (): Promise<Row[]> => (JSON.parse(await clickhouse(url, sql)) as { data: Row[] }).data
      const { firstMs, times, answer } = await timeQuery(runs, call, (a) => query.check(a, manifest.expected[query.id]))
      figures[`${query.id}.firstMs`] = firstMs
      figures[`${query.id}.medianMs`] = median(times)
      figures[`${query.id}.p95Ms`] = percentile(times, 95)
      queryRows.push(`| ${query.id} | ${query.question} | ${answer.length} | ${fmt(firstMs, 1)} | ${fmt(median(times), 1)} | ${fmt(percentile(times, 95), 1)} | ok |`)
    }
    const markdown = [
      `### ClickHouse ${version} over HTTP on the reference workload`,
      '',
      `Loaded from the flat NDJSON files over the HTTP interface (TabSeparated, flattened: bench/compare/clickhouse-tables.ts) in ${fmt(figures['load.totalMs'])} ms ` +
        `(${CLICKHOUSE_TABLES.map((t) => `${t.name}: ${fmt(rows[t.name])} rows in ${fmt(figures[`load.${t.name}Ms`])} ms`).join(', ')}; then OPTIMIZE FINAL). ` +
        `Bytes on disk: ${bytes.data.map((b) => `${b.table} ${fmt(Number(b.b))}`).join(', ')} (LZ4, unencrypted).`,
      '',
      `Queries over HTTP (FORMAT JSON, parsed by the client): first run (answer checked against the manifest), then median and p95 of ${runs} runs, in ms.`,
      '',
      '| query | question | rows | first | median | p95 | answer |',
      '|---|---|---:|---:|---:|---:|---|',
      ...queryRows,
    ].join('\n')
    return { markdown, figures }
  } finally {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) await runAlone(run)
