/**
 * @module bench/compare/duckdb-queries
 * The reference queries Q1..Q10 of shared/workload/SPEC.md in DuckDB SQL, over the tables of
 * duckdb-tables.ts, each with the check of its answer against the manifest's `expected` entry.
 * Every query but the trace lookup (Q4) is limited to the window T0 .. T0+1h, as a query of an
 * observability backend always has a time range.
 */
import { checkQ1, checkQ10, checkQ2, checkQ3, checkQ4, checkQ5, checkQ6, checkQ7, checkQ8, checkQ9, type Row } from './answer-check.ts'
import { literal } from './duckdb-tables.ts'

export interface QueryContext {
  /** Window start and end, epoch nanoseconds as decimal strings. */
  start: string
  end: string
  slowTraceId: string
  errorService: string
}

export interface ReferenceQuery {
  id: string
  question: string
  sql: (ctx: QueryContext) => string
  /** Throws AnswerMismatchError when `rows` is not the manifest's answer. */
  check: (rows: Row[], expected: unknown) => void
}

const NS_PER_MINUTE = 60_000_000_000n
const NS_PER_5_MINUTES = 5n * NS_PER_MINUTE
/** Q9 rates are per second over the 5-minute bucket. */
const SECONDS_PER_BUCKET = 300

const spanWindow = (c: QueryContext): string => `start_time_unix_nano >= ${c.start} AND start_time_unix_nano < ${c.end}`
const timeWindow = (c: QueryContext, t = 'time_unix_nano'): string => `${t} >= ${c.start} AND ${t} < ${c.end}`
const hexId = (col: string): string => `lower(hex(${col}))`
/**
 * The identity of a metric series within one metric: its pod (which fixes the whole resource)
 * and its point attributes, field by field. Same groups as `resource, attributes` as whole
 * STRUCT values, which DuckDB sorts and hashes two to three times slower.
 */
const SERIES_KEY = 'resource."k8s.pod.name", attributes."http.request.method", attributes."http.route", attributes."http.response.status_code"'

export const REFERENCE_QUERIES: readonly ReferenceQuery[] = [
  {
    id: 'Q1',
    question: 'the 10 slowest spans',
    sql: (c) => `SELECT service_name, name, duration_ns, ${hexId('trace_id')} AS trace_hex, ${hexId('span_id')} AS span_hex
      FROM spans WHERE ${spanWindow(c)} ORDER BY duration_ns DESC, trace_id, span_id LIMIT 10`,
    check: checkQ1,
  },
  {
    id: 'Q2',
    question: 'p50/p95/p99 per operation, 20 highest p99',
    sql: (c) => `SELECT * FROM (
        SELECT service_name, name, count(*) AS count,
          quantile_disc(duration_ns, [0.5, 0.95, 0.99]) AS disc, quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS cont
        FROM spans WHERE ${spanWindow(c)} GROUP BY service_name, name)
      ORDER BY disc[3] DESC, service_name, name LIMIT 20`,
    check: checkQ2,
  },
  {
    id: 'Q3',
    question: 'spans, errors, error ratio per service',
    sql: (c) => `SELECT service_name, count(*) AS spans, count(*) FILTER (WHERE status_code = 2) AS errors,
        count(*) FILTER (WHERE status_code = 2) / count(*) AS error_ratio
      FROM spans WHERE ${spanWindow(c)} GROUP BY service_name ORDER BY service_name`,
    check: checkQ3,
  },
  {
    id: 'Q4',
    question: 'every span of one trace (lookup by id)',
    sql: (c) => `SELECT ${hexId('span_id')} AS span_id, coalesce(${hexId('parent_span_id')}, '') AS parent_span_id, service_name, name,
        start_time_unix_nano, duration_ns, status_code
      FROM spans WHERE trace_id = unhex(${literal(c.slowTraceId)}) ORDER BY start_time_unix_nano, spans.span_id`,
    check: checkQ4,
  },
  {
    id: 'Q5',
    question: 'error service, status >= 500, per route',
    sql: (c) => `SELECT attributes."http.route" AS http_route, count(*) AS count
      FROM spans WHERE ${spanWindow(c)} AND service_name = ${literal(c.errorService)} AND attributes."http.response.status_code" >= 500
      GROUP BY http_route ORDER BY count DESC, http_route`,
    check: checkQ5,
  },
  {
    id: 'Q6',
    question: 'error spans per minute',
    sql: (c) => `SELECT m.range AS minute, count(e.minute) AS count
      FROM range(0, (${c.end} - ${c.start}) // ${NS_PER_MINUTE}) AS m
      LEFT JOIN (SELECT (start_time_unix_nano - ${c.start}) // ${NS_PER_MINUTE} AS minute FROM spans WHERE ${spanWindow(c)} AND status_code = 2) AS e
        ON e.minute = m.range
      GROUP BY m.range ORDER BY m.range`,
    check: checkQ6,
  },
  {
    id: 'Q7',
    question: 'logs containing "timeout" per service',
    sql: (c) => `SELECT service_name, count(*) AS count FROM logs
      WHERE ${timeWindow(c)} AND contains(body, 'timeout') GROUP BY service_name ORDER BY count DESC, service_name`,
    check: checkQ7,
  },
  {
    id: 'Q8',
    question: 'ERROR+ logs joined to their span, per span name',
    sql: (c) => `SELECT s.name, count(*) AS count
      FROM logs AS l JOIN spans AS s ON s.trace_id = l.trace_id AND s.span_id = l.span_id
      WHERE ${timeWindow(c, 'l.time_unix_nano')} AND l.severity_number >= 17
      GROUP BY s.name ORDER BY count DESC, s.name`,
    check: checkQ8,
  },
  {
    id: 'Q9',
    question: 'request rate per route, 5-minute buckets',
    // The first point of a series counts from 0 (the series starts one interval before T0, see
    // the manifest's method).
    sql: (c) => `WITH increases AS (
        SELECT attributes."http.route" AS http_route, (time_unix_nano - ${c.start}) // ${NS_PER_5_MINUTES} AS bucket,
          value - coalesce(lag(value) OVER (PARTITION BY ${SERIES_KEY} ORDER BY time_unix_nano), 0) AS increase
        FROM points WHERE ${timeWindow(c)} AND name = 'http.server.request.count')
      SELECT http_route, bucket, sum(increase) AS increase, sum(increase) / ${SECONDS_PER_BUCKET} AS rate_per_s
      FROM increases GROUP BY http_route, bucket ORDER BY http_route, bucket`,
    check: checkQ9,
  },
  {
    id: 'Q10',
    question: 'p99 per route from histogram buckets',
    // Prometheus histogram_quantile over the summed last cumulative point of every series.
    sql: (c) => `WITH last AS (
        SELECT attributes."http.route" AS http_route, arg_max(bucket_counts, time_unix_nano) AS counts,
          arg_max(explicit_bounds, time_unix_nano) AS bounds
        FROM points WHERE ${timeWindow(c)} AND name = 'http.server.request.duration' GROUP BY ${SERIES_KEY}),
      expanded AS (
        SELECT http_route, bounds, unnest(range(1, len(counts) + 1)) AS i, unnest(counts) AS n FROM last),
      buckets AS (
        SELECT http_route, i, sum(n) AS n, any_value(bounds) AS bounds FROM expanded GROUP BY http_route, i),
      cumulative AS (
        SELECT *, sum(n) OVER (PARTITION BY http_route ORDER BY i) AS cum, sum(n) OVER (PARTITION BY http_route) AS total,
          count(*) OVER (PARTITION BY http_route) AS nbuckets
        FROM buckets),
      hit AS (
        SELECT http_route, any_value(total) AS total, list(n::BIGINT ORDER BY i) AS bucket_counts,
          arg_min(struct_pack(i, n, cum, bounds, nbuckets), i) FILTER (WHERE cum >= 0.99 * total) AS b
        FROM cumulative GROUP BY http_route),
      bucket AS (
        SELECT http_route, total, bucket_counts, b.i AS i, b.n AS n, b.cum AS cum, b.bounds AS bounds, b.nbuckets AS nbuckets,
          CASE WHEN b.i = 1 THEN 0 ELSE b.bounds[b.i - 1] END AS lower
        FROM hit)
      SELECT http_route, total::BIGINT AS count, bucket_counts,
        CASE WHEN i = nbuckets THEN bounds[nbuckets - 1]
          WHEN n = 0 THEN bounds[i]
          ELSE lower + (bounds[i] - lower) * ((0.99 * total - (cum - n)) / n)
        END AS p99_s
      FROM bucket ORDER BY http_route`,
    check: checkQ10,
  },
]
