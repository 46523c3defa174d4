/**
 * @module bench/compare/clickhouse-tables
 * The ClickHouse side of the comparison: a minimal server configuration (one HTTP and one
 * native port on 127.0.0.1, everything under one temporary directory), the three MergeTree
 * tables of the reference workload, and loading them from the flat NDJSON files.
 *
 * ClickHouse 18.16 (Debian's) has no Map or JSON type and its JSONEachRow reader cannot fill
 * columns from nested objects, so records are flattened here: the attributes the queries use
 * become columns of their own (service name, route, status code, pod, method), and the whole
 * resource and attribute objects are kept as JSON text beside them, so the tables hold all of
 * the data. Rows go over the HTTP interface as TabSeparated, 50,000 per INSERT.
 * Sort keys are what a ClickHouse user would pick: service and start time for spans and logs
 * (Q5 skips by primary key), metric name, series and time for points.
 */
import { createReadStream, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

/** Rows per INSERT request: large enough for few parts, small enough to keep the client's memory low. */
const ROWS_PER_INSERT = 50_000

export function serverConfig(dir: string, httpPort: number, tcpPort: number): string {
  const config = join(dir, 'config.xml')
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>536870912</mark_cache_size>
  <max_concurrent_queries>20</max_concurrent_queries>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
`,
  )
  writeFileSync(
    join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  )
  return config
}

type Flat = Record<string, unknown>
type Attrs = Record<string, unknown>

interface ClickHouseTable {
  name: 'spans' | 'logs' | 'points'
  file: string
  ddl: string
  /** The record as TabSeparated fields, in the column order of `ddl`. */
  fields: (r: Flat) => (string | number)[]
}

/** TabSeparated escaping of a string field. */
const tsv = (v: unknown): string => String(v ?? '').replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
const attr = (r: Flat, key: string): unknown => (r.attributes as Attrs)[key]
const res = (r: Flat, key: string): unknown => (r.resource as Attrs)[key]
const num = (v: unknown): number => (typeof v === 'number' ? v : 0)

export const CLICKHOUSE_TABLES: readonly ClickHouseTable[] = [
  {
    name: 'spans',
    file: 'spans.ndjson',
    ddl: `CREATE TABLE spans (trace_id String, span_id String, parent_span_id String, name String, kind UInt8,
      start_time_unix_nano UInt64, end_time_unix_nano UInt64, duration_ns UInt64, status_code UInt8, status_message String,
      service_name String, http_route String, http_status UInt16, resource String, attributes String, events String)
      ENGINE = MergeTree ORDER BY (service_name, start_time_unix_nano)`,
    fields: (r) => [
      tsv(r.trace_id), tsv(r.span_id), tsv(r.parent_span_id), tsv(r.name), num(r.kind), String(r.start_time_unix_nano), String(r.end_time_unix_nano),
      num(r.duration_ns), num(r.status_code), tsv(r.status_message), tsv(r.service_name), tsv(attr(r, 'http.route')),
      num(attr(r, 'http.response.status_code')), tsv(JSON.stringify(r.resource)), tsv(JSON.stringify(r.attributes)), tsv(JSON.stringify(r.events)),
    ],
  },
  {
    name: 'logs',
    file: 'logs.ndjson',
    ddl: `CREATE TABLE logs (time_unix_nano UInt64, observed_time_unix_nano UInt64, severity_number UInt8, severity_text String,
      body String, trace_id String, span_id String, service_name String, resource String, attributes String)
      ENGINE = MergeTree ORDER BY (service_name, time_unix_nano)`,
    fields: (r) => [
      String(r.time_unix_nano), String(r.observed_time_unix_nano), num(r.severity_number), tsv(r.severity_text), tsv(r.body),
      tsv(r.trace_id), tsv(r.span_id), tsv(r.service_name), tsv(JSON.stringify(r.resource)), tsv(JSON.stringify(r.attributes)),
    ],
  },
  {
    name: 'points',
    file: 'points.ndjson',
    ddl: `CREATE TABLE points (name String, type String, unit String, service_name String, pod String, method String,
      http_route String, http_status UInt16, time_unix_nano UInt64, value Float64, count UInt64, sum Float64,
      bucket_counts Array(UInt64), explicit_bounds Array(Float64), resource String, attributes String)
      ENGINE = MergeTree ORDER BY (name, http_route, pod, method, http_status, time_unix_nano)`,
    fields: (r) => {
      const h = typeof r.value === 'object' && r.value !== null ? (r.value as { count: number; sum: number; bucket_counts: number[]; explicit_bounds: number[] }) : undefined
      return [
        tsv(r.name), tsv(r.type), tsv(r.unit), tsv(r.service_name), tsv(res(r, 'k8s.pod.name')), tsv(attr(r, 'http.request.method')),
        tsv(attr(r, 'http.route')), num(attr(r, 'http.response.status_code')), String(r.time_unix_nano), h === undefined ? num(r.value) : 0,
        h?.count ?? 0, h?.sum ?? 0, `[${(h?.bucket_counts ?? []).join(',')}]`, `[${(h?.explicit_bounds ?? []).join(',')}]`,
        tsv(JSON.stringify(r.resource)), tsv(JSON.stringify(r.attributes)),
      ]
    },
  },
]

/** Sends one SQL statement (and an optional body after it) to ClickHouse's HTTP interface; returns the response text. */
export async function clickhouse(url: string, sql: string, body?: string): Promise<string> {
  const res = await fetch(body === undefined ? url : `${url}/?query=${encodeURIComponent(sql)}`, { method: 'POST', body: body ?? sql })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`cannot run ClickHouse statement ${sql.slice(0, 80)}: ${res.status} ${text.slice(0, 500)}`)
  return text
}

/** Creates `table` and fills it from its NDJSON file; returns the rows loaded. */
export async function loadTable(url: string, workloadDir: string, table: ClickHouseTable): Promise<number> {
  await clickhouse(url, table.ddl)
  const insert = `INSERT INTO ${table.name} FORMAT TabSeparated`
  let lines: string[] = []
  let rows = 0
  for await (const line of createInterface({ input: createReadStream(join(workloadDir, table.file)), crlfDelay: Infinity })) {
    if (line === '') continue
    lines.push(table.fields(JSON.parse(line) as Flat).join('\t'))
    if (lines.length === ROWS_PER_INSERT) {
      await clickhouse(url, insert, lines.join('\n') + '\n')
      rows += lines.length
      lines = []
    }
  }
  if (lines.length > 0) await clickhouse(url, insert, lines.join('\n') + '\n')
  return rows + lines.length
}
