/**
 * @module bench/compare/duckdb-tables
 * The three DuckDB tables of the reference workload (spans, logs, points), their column types,
 * and loading them from the workload's flat NDJSON files.
 *
 * Types: timestamps are BIGINT epoch nanoseconds (the window ends before 2^63 ns, so HUGEINT is
 * not needed); ids are BLOB (the hex of the flat files turned back into 16 and 8 bytes, NULL when
 * absent); resource and record attributes are STRUCT columns with one field per key, which is
 * what DuckDB's JSON reader infers and what BlazeDB's one-column-per-key layout is closest to;
 * histogram bucket counts and bounds are LIST columns. `service_name` and `duration_ns` of the
 * flat schema are VIRTUAL generated columns (from `resource."service.name"` and `end - start`),
 * so neither system stores the same value twice.
 */
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'

export type TableName = 'spans' | 'logs' | 'points'

export interface TableSpec {
  name: TableName
  /** NDJSON file in the workload directory. */
  file: string
  /** Stored columns: name and the SQL expression over the NDJSON record that fills it. */
  stored: readonly (readonly [string, string])[]
  /** Virtual generated columns: name, type, expression over stored columns. */
  generated: readonly (readonly [string, string, string])[]
}

const SERVICE_NAME = ['service_name', 'VARCHAR', "struct_extract(resource, 'service.name')"] as const

export const TABLES: readonly TableSpec[] = [
  {
    name: 'spans',
    file: 'spans.ndjson',
    stored: [
      ['trace_id', 'unhex(trace_id)'],
      ['span_id', 'unhex(span_id)'],
      ['parent_span_id', "unhex(nullif(parent_span_id, ''))"],
      ['name', 'name'],
      ['kind', 'kind::UTINYINT'],
      ['start_time_unix_nano', 'start_time_unix_nano::BIGINT'],
      ['end_time_unix_nano', 'end_time_unix_nano::BIGINT'],
      ['status_code', 'status_code::UTINYINT'],
      ['status_message', 'status_message'],
      ['resource', 'resource'],
      ['attributes', 'attributes'],
      ['events', 'list_transform(events, e -> struct_pack(time_unix_nano := e.time_unix_nano::BIGINT, name := e.name, attributes := e.attributes))'],
    ],
    generated: [SERVICE_NAME, ['duration_ns', 'BIGINT', 'end_time_unix_nano - start_time_unix_nano']],
  },
  {
    name: 'logs',
    file: 'logs.ndjson',
    stored: [
      ['time_unix_nano', 'time_unix_nano::BIGINT'],
      ['observed_time_unix_nano', 'observed_time_unix_nano::BIGINT'],
      ['severity_number', 'severity_number::UTINYINT'],
      ['severity_text', 'severity_text'],
      ['body', 'body'],
      ['trace_id', "unhex(nullif(trace_id, ''))"],
      ['span_id', "unhex(nullif(span_id, ''))"],
      ['resource', 'resource'],
      ['attributes', 'attributes'],
    ],
    generated: [SERVICE_NAME],
  },
  {
    name: 'points',
    file: 'points.ndjson',
    stored: [
      ['name', 'name'],
      ['type', 'type'],
      ['unit', 'unit'],
      ['monotonic', 'monotonic'],
      ['temporality', 'temporality'],
      ['resource', 'resource'],
      ['attributes', 'attributes'],
      ['time_unix_nano', 'time_unix_nano::BIGINT'],
      // `value` is a number for gauge and sum points and an object for histograms.
      ['value', "CASE WHEN type <> 'histogram' THEN value::DOUBLE END"],
      ['count', "CASE WHEN type = 'histogram' THEN (value->>'$.count')::UBIGINT END"],
      ['sum', "CASE WHEN type = 'histogram' THEN (value->>'$.sum')::DOUBLE END"],
      ['bucket_counts', "CASE WHEN type = 'histogram' THEN (value->'$.bucket_counts')::UBIGINT[] END"],
      ['explicit_bounds', "CASE WHEN type = 'histogram' THEN (value->'$.explicit_bounds')::DOUBLE[] END"],
    ],
    generated: [SERVICE_NAME],
  },
]

/** A DuckDB identifier, quoted. */
export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`
/** A DuckDB string literal. */
export const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

/** The stored column names of a table, as a select list. */
export const storedColumns = (spec: TableSpec): string => spec.stored.map(([n]) => ident(n)).join(', ')

async function describe(con: DuckDBConnection, query: string): Promise<[string, string][]> {
  const rows = (await con.runAndReadAll(`DESCRIBE ${query}`)).getRowObjectsJson()
  return rows.map((r) => [String(r.column_name), String(r.column_type)])
}

/**
 * `CREATE TABLE` statement of `spec` for a schema whose nested types come from the data, and
 * the `SELECT` over the NDJSON file that fills its stored columns.
 * One full pass over the file lets DuckDB infer every attribute key (`sample_size=-1`); the
 * insert is a second pass with those types given, as a bulk load with a known schema would be.
 */
export async function tablePlan(con: DuckDBConnection, workloadDir: string, spec: TableSpec): Promise<{ ddl: (table: string) => string; select: string }> {
  const path = literal(join(workloadDir, spec.file))
  const inferred = await describe(con, `SELECT * FROM read_json(${path}, format = 'newline_delimited', sample_size = -1)`)
  const columns = inferred.map(([n, t]) => `${literal(n)}: ${literal(t)}`).join(', ')
  const source = `read_json(${path}, format = 'newline_delimited', columns = {${columns}})`
  const select = `SELECT ${spec.stored.map(([n, e]) => `${e} AS ${ident(n)}`).join(', ')} FROM ${source}`
  const types = await describe(con, select)
  const defs = [
    ...types.map(([n, t]) => `${ident(n)} ${t}`),
    ...spec.generated.map(([n, t, e]) => `${ident(n)} ${t} GENERATED ALWAYS AS (${e}) VIRTUAL`),
  ]
  return { ddl: (table) => `CREATE TABLE ${table} (${defs.join(', ')})`, select }
}

/**
 * Creates table `spec.name` and loads the NDJSON file into it; returns the DDL for copies.
 * @example const ddl = await loadTable(con, '/tmp/workload', TABLES[0])
 */
export async function loadTable(con: DuckDBConnection, workloadDir: string, spec: TableSpec): Promise<(table: string) => string> {
  const plan = await tablePlan(con, workloadDir, spec)
  await con.run(plan.ddl(ident(spec.name)))
  await con.run(`INSERT INTO ${ident(spec.name)} (${storedColumns(spec)}) ${plan.select}`)
  return plan.ddl
}
