/**
 * @module bench/compare/clickhouse-queries
 * The reference queries Q1..Q10 in the SQL of ClickHouse 18.16 (the version Debian ships), over
 * the tables of clickhouse-tables.ts, each with the check of its answer against the manifest.
 *
 * 18.16 predates window functions, WITH FILL, quantileExactInclusive and Map columns, so:
 * nearest-rank and interpolated percentiles (Q2) index the sorted array of a group's durations;
 * the per-minute series (Q6) is a range of minutes joined to the counts; per-point counter
 * increases (Q9) are differences inside each series' time-sorted array; the histogram p99 (Q10)
 * is Prometheus' histogram_quantile written with array functions over the summed last points.
 */
import type { ReferenceQuery } from './duckdb-queries.ts'
import { REFERENCE_QUERIES as DUCKDB_QUERIES } from './duckdb-queries.ts'

const NS_PER_MINUTE = 60_000_000_000n
const NS_PER_5_MINUTES = 5n * NS_PER_MINUTE
const SECONDS_PER_BUCKET = 300

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
const checkOf = (id: string): ReferenceQuery['check'] => (DUCKDB_QUERIES.find((q) => q.id === id) ?? { check: () => {} }).check
const window = (start: string, end: string, t = 'start_time_unix_nano'): string => `${t} >= ${start} AND ${t} < ${end}`
/** Nearest rank of permille `p` among `n` sorted values, 1-based, in integers as the manifest computes it. */
const rank = (p: number): string => `greatest(1, intDiv(${p} * n + 999, 1000))`
/** Linear interpolation between the closest ranks (quantile_cont), over the sorted array `d`. */
const cont = (p: number): string => `(d[toUInt64(floor((n - 1) * ${p})) + 1] + ((n - 1) * ${p} - floor((n - 1) * ${p})) *
  (toFloat64(d[least(n, toUInt64(floor((n - 1) * ${p})) + 2)]) - d[toUInt64(floor((n - 1) * ${p})) + 1]))`
const SERIES = 'pod, method, http_route, http_status'

type Sql = ReferenceQuery['sql']
const SQL: Record<string, Sql> = {
  Q1: (c) => `SELECT service_name, name, duration_ns, trace_id AS trace_hex, span_id AS span_hex FROM spans
    WHERE ${window(c.start, c.end)} ORDER BY duration_ns DESC, trace_id, span_id LIMIT 10`,
  Q2: (c) => `SELECT service_name, name, n AS count, [d[${rank(500)}], d[${rank(950)}], d[${rank(990)}]] AS disc,
      [${cont(0.5)}, ${cont(0.95)}, ${cont(0.99)}] AS cont
    FROM (SELECT service_name, name, count() AS n, arraySort(groupArray(duration_ns)) AS d FROM spans
      WHERE ${window(c.start, c.end)} GROUP BY service_name, name)
    ORDER BY disc[3] DESC, service_name, name LIMIT 20`,
  Q3: (c) => `SELECT service_name, count() AS spans, countIf(status_code = 2) AS errors, countIf(status_code = 2) / count() AS error_ratio
    FROM spans WHERE ${window(c.start, c.end)} GROUP BY service_name ORDER BY service_name`,
  Q4: (c) => `SELECT span_id, parent_span_id, service_name, name, start_time_unix_nano, duration_ns, status_code FROM spans
    WHERE trace_id = ${quote(c.slowTraceId)} ORDER BY start_time_unix_nano, span_id`,
  Q5: (c) => `SELECT http_route, count() AS count FROM spans
    WHERE service_name = ${quote(c.errorService)} AND ${window(c.start, c.end)} AND http_status >= 500
    GROUP BY http_route ORDER BY count DESC, http_route`,
  Q6: (c) => `SELECT minute, count FROM (SELECT arrayJoin(range(toUInt64(${(BigInt(c.end) - BigInt(c.start)) / NS_PER_MINUTE}))) AS minute)
    ANY LEFT JOIN (SELECT toUInt64(intDiv(start_time_unix_nano - ${c.start}, ${NS_PER_MINUTE})) AS minute, count() AS count FROM spans
      WHERE ${window(c.start, c.end)} AND status_code = 2 GROUP BY minute) USING minute
    ORDER BY minute`,
  Q7: (c) => `SELECT service_name, count() AS count FROM logs WHERE ${window(c.start, c.end, 'time_unix_nano')} AND position(body, 'timeout') > 0
    GROUP BY service_name ORDER BY count DESC, service_name`,
  Q8: (c) => `SELECT name, count() AS count
    FROM (SELECT trace_id, span_id FROM logs WHERE ${window(c.start, c.end, 'time_unix_nano')} AND severity_number >= 17)
    ALL INNER JOIN (SELECT trace_id, span_id, name FROM spans) USING (trace_id, span_id)
    GROUP BY name ORDER BY count DESC, name`,
  // Each point's increase over the previous point of its series; a series' first point counts from 0.
  Q9: (c) => `SELECT http_route, tupleElement(x, 1) AS bucket, sum(tupleElement(x, 2)) AS increase, sum(tupleElement(x, 2)) / ${SECONDS_PER_BUCKET} AS rate_per_s
    FROM (SELECT http_route, arraySort(groupArray(time_unix_nano)) AS t, arraySort((v, k) -> k, groupArray(value), groupArray(time_unix_nano)) AS v,
        arrayMap(i -> (toUInt64(intDiv(t[i] - ${c.start}, ${NS_PER_5_MINUTES})), v[i] - if(i = 1, 0, v[i - 1])), arrayEnumerate(v)) AS incs
      FROM points WHERE ${window(c.start, c.end, 'time_unix_nano')} AND name = 'http.server.request.count' GROUP BY ${SERIES})
    ARRAY JOIN incs AS x
    GROUP BY http_route, bucket ORDER BY http_route, bucket`,
  // histogram_quantile(0.99) over the summed last cumulative point of every series of a route.
  Q10: (c) => `SELECT http_route, total AS count, counts AS bucket_counts,
      arrayCumSum(counts) AS cum, arrayFirstIndex(x -> x >= 0.99 * total, cum) AS i, length(counts) AS nb,
      if(i = 1, 0, bounds[i - 1]) AS lower,
      if(i = nb, bounds[nb - 1], if(counts[i] = 0, bounds[i], lower + (bounds[i] - lower) * ((0.99 * total - (cum[i] - counts[i])) / counts[i]))) AS p99_s
    FROM (SELECT http_route, sumForEach(last) AS counts, arraySum(counts) AS total, any(b) AS bounds
      FROM (SELECT http_route, argMax(bucket_counts, time_unix_nano) AS last, argMax(explicit_bounds, time_unix_nano) AS b FROM points
        WHERE ${window(c.start, c.end, 'time_unix_nano')} AND name = 'http.server.request.duration' GROUP BY ${SERIES})
      GROUP BY http_route)
    ORDER BY http_route`,
}

export const CLICKHOUSE_QUERIES: readonly ReferenceQuery[] = DUCKDB_QUERIES.map((q) => ({ ...q, sql: SQL[q.id], check: checkOf(q.id) }))
