/**
 * @module bench/compare/duckdb
 * BlazeDB's reference workload in DuckDB, an embedded analytical engine: load time, bytes on
 * disk per span, log record, metric point and metric sample (DuckDB's own file and zstd Parquet),
 * and the reference queries Q1..Q10 with their answers checked against the manifest.
 * Run alone: node bench/compare/duckdb.ts [--workload DIR] [--runs N] [--keep]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { fmt, median, percentile } from '../support/measure.ts'
import type { Row } from './answer-check.ts'
import { REFERENCE_QUERIES, type QueryContext } from './duckdb-queries.ts'
import { TABLES, ident, literal, loadTable, storedColumns, type TableName } from './duckdb-tables.ts'

/** Timed runs per query, after one untimed first run whose answer is checked. */
const DEFAULT_RUNS = 10

interface Manifest {
  window: { start_unix_nano: string; end_unix_nano: string }
  fixed: { slow_trace_id: string; error_service: string }
  expected: Record<string, unknown>
}

export interface DuckDBOptions {
  workloadDir: string
  runs?: number
  /** Keep the temporary directory with the database and Parquet files (its path is in the markdown). */
  keep?: boolean
}

const fileBytes = (path: string): number => (existsSync(path) ? statSync(path).size : 0)
/** A database file with its write-ahead log, if one is left. */
const databaseBytes = (path: string): number => fileBytes(path) + fileBytes(`${path}.wal`)

async function scalar(con: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await con.runAndReadAll(sql)).getRows()
  return Number(rows[0][0])
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const out = await fn()
  return [out, performance.now() - t]
}

/**
 * Loads the workload into DuckDB, measures sizes and load time, runs and checks Q1..Q10.
 * Throws AnswerMismatchError when an answer differs from the manifest.
 * @example const { markdown } = await run({ workloadDir: '/tmp/workload', runs: 5 })
 */
export async function run(options: DuckDBOptions): Promise<{ markdown: string; figures: Record<string, number> }> {
  const runs = options.runs ?? DEFAULT_RUNS
  const manifest = JSON.parse(readFileSync(join(options.workloadDir, 'manifest.json'), 'utf8')) as Manifest
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-compare-duckdb-'))
  const figures: Record<string, number> = {}
  const md: string[] = []
  try {
    const dbPath = join(dir, 'workload.duckdb')
    const instance = await DuckDBInstance.create(dbPath)
    const con = await instance.connect()
    const threads = await scalar(con, "SELECT current_setting('threads')")
    const version = String((await con.runAndReadAll('SELECT version()')).getRows()[0][0])

    // Load: schema inference pass + insert pass per table, then a checkpoint writes everything.
    const ddl = {} as Record<TableName, (table: string) => string>
    const loadMs = {} as Record<TableName, number>
    for (const spec of TABLES) [ddl[spec.name], loadMs[spec.name]] = await timed(() => loadTable(con, options.workloadDir, spec))
    const [, checkpointMs] = await timed(() => con.run('CHECKPOINT'))
    const rows = {} as Record<TableName, number>
    for (const spec of TABLES) rows[spec.name] = await scalar(con, `SELECT count(*) FROM ${ident(spec.name)}`)
    // Samples as Prometheus counts them: one per gauge or sum point, buckets + sum + count per histogram.
    const samples = await scalar(con, 'SELECT sum(CASE WHEN bucket_counts IS NULL THEN 1 ELSE len(bucket_counts) + 2 END) FROM points')

    // Sizes: the whole database file, each table alone in a file of its own, and zstd Parquet.
    const singleBytes = {} as Record<TableName, number>
    const parquetBytes = {} as Record<TableName, number>
    const parquetMs = {} as Record<TableName, number>
    for (const spec of TABLES) {
      const single = join(dir, `${spec.name}.duckdb`)
      await con.run(`ATTACH ${literal(single)} AS single`)
      await con.run(ddl[spec.name](`single.${ident(spec.name)}`))
      await con.run(`INSERT INTO single.${ident(spec.name)} (${storedColumns(spec)}) SELECT ${storedColumns(spec)} FROM ${ident(spec.name)}`)
      await con.run('CHECKPOINT single')
      await con.run('DETACH single')
      singleBytes[spec.name] = databaseBytes(single)
      const parquet = join(dir, `${spec.name}.parquet`)
      ;[, parquetMs[spec.name]] = await timed(() =>
        con.run(`COPY (SELECT ${storedColumns(spec)} FROM ${ident(spec.name)}) TO ${literal(parquet)} (FORMAT parquet, COMPRESSION zstd)`),
      )
      parquetBytes[spec.name] = fileBytes(parquet)
    }
    con.closeSync()
    instance.closeSync()
    const totalBytes = databaseBytes(dbPath)
    // The shared file is split between tables in proportion to their single-table files.
    const singleTotal = TABLES.reduce((n, s) => n + singleBytes[s.name], 0)
    const nativePerRow = (t: TableName): number => (totalBytes * singleBytes[t]) / singleTotal / rows[t]
    const parquetPerRow = (t: TableName): number => parquetBytes[t] / rows[t]

    // Queries on the database reopened read-only, as a fresh process would see it.
    const reader = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' })
    const q = await reader.connect()
    const ctx: QueryContext = {
      start: manifest.window.start_unix_nano,
      end: manifest.window.end_unix_nano,
      slowTraceId: manifest.fixed.slow_trace_id,
      errorService: manifest.fixed.error_service,
    }
    const queryRows: string[] = []
    for (const query of REFERENCE_QUERIES) {
      const sql = query.sql(ctx)
      const [first, firstMs] = await timed(() => q.runAndReadAll(sql))
      const answer = first.getRowObjectsJS() as Row[]
      query.check(answer, manifest.expected[query.id])
      const times: number[] = []
      for (let i = 0; i < runs; i++) times.push((await timed(() => q.runAndReadAll(sql)))[1])
      figures[`${query.id}.firstMs`] = firstMs
      figures[`${query.id}.medianMs`] = median(times)
      figures[`${query.id}.p95Ms`] = percentile(times, 95)
      queryRows.push(`| ${query.id} | ${query.question} | ${answer.length} | ${fmt(firstMs, 1)} | ${fmt(median(times), 1)} | ${fmt(percentile(times, 95), 1)} | ok |`)
    }
    q.closeSync()
    reader.closeSync()

    const totalLoadMs = TABLES.reduce((n, s) => n + loadMs[s.name], 0) + checkpointMs
    const perRow = { spans: 'Span', logs: 'Log', points: 'Point' } as const
    for (const spec of TABLES) {
      figures[`duckdb.bytesPer${perRow[spec.name]}`] = nativePerRow(spec.name)
      figures[`parquet.bytesPer${perRow[spec.name]}`] = parquetPerRow(spec.name)
      figures[`load.${spec.name}Ms`] = loadMs[spec.name]
      figures[`load.${spec.name}RowsPerSec`] = rows[spec.name] / (loadMs[spec.name] / 1000)
    }
    figures['duckdb.bytesPerSample'] = (nativePerRow('points') * rows.points) / samples
    figures['parquet.bytesPerSample'] = parquetBytes.points / samples
    figures['duckdb.fileBytes'] = totalBytes
    figures['load.checkpointMs'] = checkpointMs
    figures['load.totalMs'] = totalLoadMs
    figures.samples = samples

    const labels = { spans: 'spans', logs: 'log records', points: 'metric points' } as const
    md.push(
      `### DuckDB ${version} (${threads} threads) on the reference workload`,
      '',
      '| signal | rows | load, rows/s | DuckDB file, bytes per row | zstd Parquet, bytes per row |',
      '|---|---:|---:|---:|---:|',
      ...TABLES.map((s) => `| ${labels[s.name]} | ${fmt(rows[s.name])} | ${fmt(figures[`load.${s.name}RowsPerSec`])} | ${fmt(nativePerRow(s.name), 2)} | ${fmt(parquetPerRow(s.name), 2)} |`),
      `| metric samples | ${fmt(samples)} | | ${fmt(figures['duckdb.bytesPerSample'], 3)} | ${fmt(figures['parquet.bytesPerSample'], 3)} |`,
      '',
      `Load: ${fmt(totalLoadMs)} ms in all from the flat NDJSON files (${TABLES.map((s) => `${s.name} ${fmt(loadMs[s.name])} ms`).join(', ')}, ` +
        `checkpoint ${fmt(checkpointMs)} ms); each table is a schema-inference pass over its file and an insert pass. ` +
        `DuckDB file after CHECKPOINT: ${fmt(totalBytes)} bytes for the three tables, split between them in proportion to ` +
        `single-table files (${TABLES.map((s) => `${s.name} ${fmt(singleBytes[s.name])}`).join(', ')} bytes). ` +
        `Parquet (zstd): ${TABLES.map((s) => `${s.name} ${fmt(parquetBytes[s.name])} bytes in ${fmt(parquetMs[s.name])} ms`).join(', ')}. ` +
        '**Unencrypted**: DuckDB stores these files in the clear (its database encryption was not used: writing encrypted ' +
        'files needs its httpfs extension, fetched at run time), whereas BlazeDB encrypts every block (AES-256-GCM). ' +
        'DuckDB compresses with lightweight per-column codecs (dictionary, FSST, bit-packing, ALP), Parquet with zstd.',
      '',
      `Reference queries on the file reopened read-only: first run (answer checked against the manifest), then median and p95 of ${runs} runs, in ms.`,
      '',
      '| query | question | rows | first | median | p95 | answer |',
      '|---|---|---:|---:|---:|---:|---|',
      ...queryRows,
    )
    if (options.keep === true) md.push('', `Files kept in ${dir}.`)
  } finally {
    if (options.keep !== true) rmSync(dir, { recursive: true, force: true })
  }
  return { markdown: md.join('\n'), figures }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, runs: { type: 'string' }, keep: { type: 'boolean' } } })
  let workloadDir = values.workload
  if (workloadDir === undefined) {
    const { DEFAULT_SIZE, ensureWorkload } = await import('../support/workload.ts')
    workloadDir = ensureWorkload(DEFAULT_SIZE)
  }
  const runs = values.runs === undefined ? undefined : Number(values.runs)
  console.log((await run({ workloadDir, runs, keep: values.keep })).markdown)
}
