/**
 * @module test/differential/duckdb-load
 * The workload's flat records as three DuckDB tables, `spans`, `logs` and `metrics`, whose
 * column names are BlazeDB's field names (quoted: `"service.name"`, `"attr.http.route"`), so a
 * question reads alike in both languages. Absent values are NULL: an unset id, an unset
 * observed time, a missing attribute. Times are BIGINT epoch nanoseconds, ids lowercase hex.
 * An attribute key with values of several types gets one column per type, `"attr.user.id#str"`
 * and `"attr.user.id#int"`; integers are BIGINT, doubles DOUBLE.
 */
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api'
import type { Attributes, AttrValue, Workload } from '../../workload/index.ts'

type Cell = string | number | bigint | boolean | null
type SqlType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'INTEGER'

interface Column<T> {
  readonly name: string
  readonly type: SqlType
  readonly get: (r: T) => Cell
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']
const STATUSES = ['unset', 'ok', 'error']

const typeOf = (v: AttrValue): SqlType => (typeof v === 'string' ? 'VARCHAR' : typeof v === 'bigint' ? 'BIGINT' : typeof v === 'number' ? 'DOUBLE' : 'BOOLEAN')
const SUFFIX: Record<string, string> = { VARCHAR: 'str', BIGINT: 'int', DOUBLE: 'double', BOOLEAN: 'bool' }

/** One column per (attribute key, type) of `records`, under `prefix`. */
function attributeColumns<T>(records: readonly T[], prefix: string, attrs: (r: T) => Attributes): Column<T>[] {
  const types = new Map<string, Set<SqlType>>()
  for (const r of records) {
    for (const [k, v] of Object.entries(attrs(r))) {
      let set = types.get(k)
      if (set === undefined) types.set(k, (set = new Set()))
      set.add(typeOf(v))
    }
  }
  const out: Column<T>[] = []
  for (const [key, set] of [...types].sort()) {
    for (const type of set) {
      const name = set.size > 1 ? `${prefix}${key}#${SUFFIX[type]}` : `${prefix}${key}`
      out.push({ name, type, get: (r) => { const v = attrs(r)[key]; return v === undefined || typeOf(v) !== type ? null : v } })
    }
  }
  return out
}

const opt = (hex: string): string | null => (hex === '' ? null : hex)

/** The columns of each table, from the records themselves (attribute keys vary). */
function tables(w: Workload): { name: string; rows: readonly unknown[]; columns: Column<never>[] }[] {
  type S = Workload['spans'][number]
  type L = Workload['logs'][number]
  type P = Workload['points'][number]
  const scope = <T>(): Column<T>[] => [
    { name: 'scope.name', type: 'VARCHAR', get: () => 'workload' },
    { name: 'scope.version', type: 'VARCHAR', get: () => '1.0.0' },
  ]
  const resource = <T extends { resource: Attributes }>(rows: readonly T[]): Column<T>[] => [
    { name: 'service.name', type: 'VARCHAR', get: (r) => r.resource['service.name'] as string },
    ...attributeColumns(rows, 'resource.', (r) => r.resource),
  ]
  const spans: Column<S>[] = [
    { name: 'trace_id', type: 'VARCHAR', get: (s) => s.traceId },
    { name: 'span_id', type: 'VARCHAR', get: (s) => s.spanId },
    { name: 'parent_span_id', type: 'VARCHAR', get: (s) => opt(s.parentSpanId) },
    { name: 'name', type: 'VARCHAR', get: (s) => s.name },
    { name: 'kind', type: 'VARCHAR', get: (s) => KINDS[s.kind] },
    { name: 'status', type: 'VARCHAR', get: (s) => STATUSES[s.statusCode] },
    { name: 'status_code', type: 'INTEGER', get: (s) => s.statusCode },
    { name: 'status_message', type: 'VARCHAR', get: (s) => s.statusMessage },
    { name: 'time', type: 'BIGINT', get: (s) => s.start },
    { name: 'start', type: 'BIGINT', get: (s) => s.start },
    { name: 'end', type: 'BIGINT', get: (s) => s.end },
    { name: 'duration', type: 'BIGINT', get: (s) => s.end - s.start },
    { name: 'event_count', type: 'INTEGER', get: (s) => s.events.length },
    ...scope<S>(),
    ...resource(w.spans),
    ...attributeColumns(w.spans, 'attr.', (s) => s.attributes),
  ]
  const logs: Column<L>[] = [
    { name: 'time', type: 'BIGINT', get: (l) => l.time },
    { name: 'observed_time', type: 'BIGINT', get: (l) => (l.observedTime === 0n ? null : l.observedTime) },
    { name: 'severity', type: 'INTEGER', get: (l) => l.severityNumber },
    { name: 'severity_text', type: 'VARCHAR', get: (l) => l.severityText },
    { name: 'body', type: 'VARCHAR', get: (l) => l.body },
    { name: 'trace_id', type: 'VARCHAR', get: (l) => opt(l.traceId) },
    { name: 'span_id', type: 'VARCHAR', get: (l) => opt(l.spanId) },
    ...scope<L>(),
    ...resource(w.logs),
    ...attributeColumns(w.logs, 'attr.', (l) => l.attributes),
  ]
  const metrics: Column<P>[] = [
    { name: 'time', type: 'BIGINT', get: (p) => p.time },
    { name: 'start', type: 'BIGINT', get: (p) => (p.start === 0n ? null : p.start) },
    { name: 'metric.name', type: 'VARCHAR', get: (p) => p.name },
    { name: 'metric.type', type: 'VARCHAR', get: (p) => p.type },
    { name: 'metric.unit', type: 'VARCHAR', get: (p) => p.unit },
    { name: 'metric.monotonic', type: 'BOOLEAN', get: (p) => p.monotonic },
    { name: 'value', type: 'DOUBLE', get: (p) => p.value ?? null },
    { name: 'count', type: 'BIGINT', get: (p) => p.histogram?.count ?? null },
    { name: 'sum', type: 'DOUBLE', get: (p) => p.histogram?.sum ?? null },
    ...scope<P>(),
    ...resource(w.points),
    ...attributeColumns(w.points, 'attr.', (p) => p.attributes),
  ]
  return [
    { name: 'spans', rows: w.spans, columns: spans as Column<never>[] },
    { name: 'logs', rows: w.logs, columns: logs as Column<never>[] },
    { name: 'metrics', rows: w.points, columns: metrics as Column<never>[] },
  ]
}

function append(a: DuckDBAppender, type: SqlType, v: Cell): void {
  if (v === null) return a.appendNull()
  switch (type) {
    case 'VARCHAR': return a.appendVarchar(v as string)
    case 'BIGINT': return a.appendBigInt(BigInt(v as bigint))
    case 'DOUBLE': return a.appendDouble(v as number)
    case 'INTEGER': return a.appendInteger(v as number)
    case 'BOOLEAN': return a.appendBoolean(v as boolean)
  }
}

export const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

/**
 * An in-memory DuckDB holding `w`; returns a connection.
 * @example const con = await loadDuckDB(generateWorkload())
 */
export async function loadDuckDB(w: Workload): Promise<DuckDBConnection> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' })
  const con = await instance.connect()
  for (const t of tables(w)) {
    await con.run(`CREATE TABLE ${t.name} (${t.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')})`)
    const a = await con.createAppender(t.name)
    for (const r of t.rows) {
      for (const c of t.columns) append(a, c.type, c.get(r as never))
      a.endRow()
    }
    a.closeSync()
  }
  return con
}
