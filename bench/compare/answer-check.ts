/**
 * @module bench/compare/answer-check
 * Checks the rows a system returned for Q1..Q10 against the manifest's `expected` answers of the
 * reference workload: counts, ids and nearest-rank percentiles exactly; ratios, rates,
 * interpolated percentiles and quantiles within a relative tolerance.
 */

/** One result row, column name to value (bigint for 64-bit integers, arrays for lists). */
export type Row = Record<string, unknown>

/**
 * Floats are compared relatively: the manifest and the database sum and interpolate in
 * different orders, which moves the last bits, never more than this.
 */
const RELATIVE_TOLERANCE = 1e-9
/** For expected values of 0 (an error ratio of a service without errors). */
const ABSOLUTE_TOLERANCE = 1e-12

export class AnswerMismatchError extends Error {
  readonly code = 'ANSWER_MISMATCH'
  constructor(query: string, detail: string) {
    super(`cannot accept the answer to ${query}: ${detail}`)
    this.name = 'AnswerMismatchError'
  }
}

const num = (v: unknown): number => Number(v)
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v))

class Checker {
  readonly query: string
  constructor(query: string) {
    this.query = query
  }
  fail(detail: string): never {
    throw new AnswerMismatchError(this.query, detail)
  }
  exact(what: string, actual: unknown, expected: unknown): void {
    const a = typeof expected === 'number' ? num(actual) : str(actual ?? '')
    if (a !== expected) this.fail(`${what} is ${JSON.stringify(a)}, expected ${JSON.stringify(expected)}`)
  }
  close(what: string, actual: unknown, expected: number): void {
    const a = num(actual)
    if (!(Math.abs(a - expected) <= RELATIVE_TOLERANCE * Math.abs(expected) || Math.abs(a - expected) <= ABSOLUTE_TOLERANCE)) this.fail(`${what} is ${a}, expected ${expected}`)
  }
  length(what: string, actual: readonly unknown[], expected: number): void {
    if (actual.length !== expected) this.fail(`${what} has ${actual.length} entries, expected ${expected}`)
  }
  /** Counts per key; a key absent on one side counts 0 there. */
  counts(what: string, actual: Map<string, number>, expected: Map<string, number>): void {
    for (const key of new Set([...actual.keys(), ...expected.keys()])) this.exact(`${what}[${key}]`, actual.get(key) ?? 0, expected.get(key) ?? 0)
  }
  /** Rows keyed by `key`, which must cover exactly the keys of `expected`. */
  keyed<E>(rows: Row[], key: string, expected: readonly E[], expectedKey: (e: E) => string): [Row, E][] {
    const byKey = new Map(rows.map((r) => [str(r[key]), r]))
    this.length(`${key} set`, rows, expected.length)
    return expected.map((e) => {
      const row = byKey.get(expectedKey(e))
      if (row === undefined) this.fail(`no row for ${key} ${expectedKey(e)}`)
      return [row, e]
    })
  }
}

const countMap = (rows: Row[], key: string): Map<string, number> => new Map(rows.map((r) => [str(r[key]), num(r.count)]))
const total = (rows: Row[]): number => rows.reduce((n, r) => n + num(r.count), 0)

interface SpanRef { service_name: string; name: string; duration_ns: number; trace_id: string; span_id: string }
export function checkQ1(rows: Row[], expected: unknown): void {
  const c = new Checker('Q1')
  const want = (expected as { spans: SpanRef[] }).spans
  c.length('result', rows, want.length)
  want.forEach((w, i) => {
    c.exact(`row ${i} service_name`, rows[i].service_name, w.service_name)
    c.exact(`row ${i} name`, rows[i].name, w.name)
    c.exact(`row ${i} duration_ns`, rows[i].duration_ns, w.duration_ns)
    c.exact(`row ${i} trace_id`, rows[i].trace_hex, w.trace_id)
    c.exact(`row ${i} span_id`, rows[i].span_hex, w.span_id)
  })
}

interface OpPercentiles { service_name: string; name: string; count: number; p50: number; p95: number; p99: number; p50_cont: number; p95_cont: number; p99_cont: number }
export function checkQ2(rows: Row[], expected: unknown): void {
  const c = new Checker('Q2')
  const want = (expected as { top20: OpPercentiles[] }).top20
  c.length('result', rows, want.length)
  want.forEach((w, i) => {
    const r = rows[i]
    const disc = r.disc as unknown[]
    const cont = r.cont as unknown[]
    c.exact(`row ${i} service_name`, r.service_name, w.service_name)
    c.exact(`row ${i} name`, r.name, w.name)
    c.exact(`row ${i} count`, r.count, w.count)
    ;(['p50', 'p95', 'p99'] as const).forEach((p, k) => {
      c.exact(`row ${i} ${p}`, disc[k], w[p])
      c.close(`row ${i} ${p}_cont`, cont[k], w[`${p}_cont`])
    })
  })
}

/** Q2 for a system that returns nearest-rank percentiles only (BlazeDB's pNN): the interpolated ones are not asked. */
export function checkQ2NearestRank(rows: Row[], expected: unknown): void {
  const want = (expected as { top20: OpPercentiles[] }).top20
  checkQ2(
    rows.map((r, i) => ({ ...r, cont: want[i] === undefined ? [] : [want[i].p50_cont, want[i].p95_cont, want[i].p99_cont] })),
    expected,
  )
}

interface ServiceErrors { service_name: string; spans: number; errors: number; error_ratio: number }
export function checkQ3(rows: Row[], expected: unknown): void {
  const c = new Checker('Q3')
  const want = (expected as { services: ServiceErrors[] }).services.filter((s) => s.spans > 0)
  for (const [row, w] of c.keyed(rows, 'service_name', want, (s) => s.service_name)) {
    c.exact(`${w.service_name} spans`, row.spans, w.spans)
    c.exact(`${w.service_name} errors`, row.errors, w.errors)
    c.close(`${w.service_name} error_ratio`, row.error_ratio, w.error_ratio)
  }
}

interface TraceSpan { span_id: string; parent_span_id: string; service_name: string; name: string; start_time_unix_nano: string; duration_ns: number; status_code: number }
export function checkQ4(rows: Row[], expected: unknown): void {
  const c = new Checker('Q4')
  const want = expected as { span_count: number; spans: TraceSpan[] }
  c.length('trace', rows, want.span_count)
  want.spans.forEach((w, i) => {
    for (const k of Object.keys(w) as (keyof TraceSpan)[]) c.exact(`span ${i} ${k}`, rows[i][k], w[k])
  })
}

export function checkQ5(rows: Row[], expected: unknown): void {
  const c = new Checker('Q5')
  const want = expected as { total: number; routes: { http_route: string; count: number }[] }
  c.exact('total', total(rows), want.total)
  c.counts('count', countMap(rows, 'http_route'), new Map(want.routes.map((r) => [r.http_route, r.count])))
}

export function checkQ6(rows: Row[], expected: unknown): void {
  const c = new Checker('Q6')
  const want = expected as { total: number; buckets: { minute_start: string; count: number }[] }
  c.exact('total', total(rows), want.total)
  c.length('buckets', rows, want.buckets.length)
  want.buckets.forEach((b, i) => {
    c.exact(`minute ${i}`, rows[i].minute, i)
    c.exact(`count at ${b.minute_start}`, rows[i].count, b.count)
  })
}

export function checkQ7(rows: Row[], expected: unknown): void {
  const c = new Checker('Q7')
  const want = expected as { total: number; services: { service_name: string; count: number }[] }
  c.exact('total', total(rows), want.total)
  c.counts('count', countMap(rows, 'service_name'), new Map(want.services.map((s) => [s.service_name, s.count])))
}

export function checkQ8(rows: Row[], expected: unknown): void {
  const c = new Checker('Q8')
  const want = expected as { total: number; names: { name: string; count: number }[] }
  c.exact('total', total(rows), want.total)
  c.counts('count', countMap(rows, 'name'), new Map(want.names.map((n) => [n.name, n.count])))
}

export function checkQ9(rows: Row[], expected: unknown): void {
  const c = new Checker('Q9')
  const want = expected as { bucket_starts: string[]; routes: { http_route: string; increase: number[]; rate_per_s: number[] }[] }
  const byRoute = new Map<string, Row[]>()
  for (const r of rows) byRoute.set(str(r.http_route), [...(byRoute.get(str(r.http_route)) ?? []), r])
  c.exact('route count', byRoute.size, want.routes.length)
  for (const w of want.routes) {
    const got = byRoute.get(w.http_route) ?? c.fail(`no rows for route ${w.http_route}`)
    const inc = new Array<number>(want.bucket_starts.length).fill(0)
    const rate = new Array<number>(want.bucket_starts.length).fill(0)
    for (const r of got) {
      const b = num(r.bucket)
      if (!(b >= 0 && b < inc.length)) c.fail(`route ${w.http_route} has a point in bucket ${b}`)
      inc[b] = num(r.increase)
      rate[b] = num(r.rate_per_s)
    }
    w.increase.forEach((x, b) => c.exact(`${w.http_route} increase at ${want.bucket_starts[b]}`, inc[b], x))
    w.rate_per_s.forEach((x, b) => c.close(`${w.http_route} rate at ${want.bucket_starts[b]}`, rate[b], x))
  }
}

/** Q10 for a system whose answer is the quantile alone (BlazeDB's histogram_quantile): routes and p99. */
export function checkQ10Quantile(rows: Row[], expected: unknown): void {
  const c = new Checker('Q10')
  const want = (expected as { routes: { http_route: string; p99_s: number }[] }).routes
  for (const [row, w] of c.keyed(rows, 'http_route', want, (r) => r.http_route)) c.close(`${w.http_route} p99_s`, row.p99_s, w.p99_s)
}

export function checkQ10(rows: Row[], expected: unknown): void {
  const c = new Checker('Q10')
  const want = (expected as { routes: { http_route: string; count: number; p99_s: number; bucket_counts: number[] }[] }).routes
  for (const [row, w] of c.keyed(rows, 'http_route', want, (r) => r.http_route)) {
    c.exact(`${w.http_route} count`, row.count, w.count)
    c.exact(`${w.http_route} bucket_counts`, (row.bucket_counts as unknown[]).map(num).join(','), w.bucket_counts.join(','))
    c.close(`${w.http_route} p99_s`, row.p99_s, w.p99_s)
  }
}
