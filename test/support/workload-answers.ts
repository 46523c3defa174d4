/**
 * @module test/support/workload-answers
 * The answers of the reference questions Q1..Q10 (test/support/workload-queries.ts) computed
 * straight from the generator's flat records, by the rules of query/LANGUAGE.md: nearest-rank
 * percentiles, gap-filled minute buckets, counter increases per series (a first point counts
 * from zero when its series started at most 5 minutes before the range; a new start time or a
 * drop is a reset), Prometheus histogram_quantile over summed bucket increases.
 */
import type { FlatPoint, FlatSpan, Workload } from '../../workload/index.ts'

const MINUTE = 60_000_000_000n
const FIRST_POINT_WINDOW = 5n * MINUTE

export const service = (r: { resource: Record<string, unknown> }): string => r.resource['service.name'] as string
export const durationOf = (s: FlatSpan): number => Number(s.end - s.start)
const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0)

/** Nearest rank: the value at rank ceil(p/100 × n), exact for the shorthands' p. */
export function nearestRank(sorted: readonly number[], permille: number): number {
  const rank = Math.max(1, Math.ceil((permille * sorted.length) / 1000))
  return sorted[Math.min(sorted.length, rank) - 1]
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>()
  for (const t of items) out.set(key(t), (out.get(key(t)) ?? 0) + 1)
  return out
}

/** Per-point increase of cumulative series, each point keyed by series. */
function increases(points: readonly FlatPoint[], rangeStart: bigint, value: (p: FlatPoint) => number[]): { point: FlatPoint; inc: number[] }[] {
  const last = new Map<string, { start: bigint; values: number[] }>()
  const out: { point: FlatPoint; inc: number[] }[] = []
  for (const p of [...points].sort((a, b) => cmp(Number(a.time - b.time), 0))) {
    const key = JSON.stringify([p.name, p.resource, p.attributes], (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
    const values = value(p)
    const prev = last.get(key)
    last.set(key, { start: p.start, values })
    if (prev === undefined) {
      out.push({ point: p, inc: p.start >= rangeStart - FIRST_POINT_WINDOW ? values : values.map(() => 0) })
    } else if (p.start !== prev.start || values.some((v, i) => v < prev.values[i])) {
      out.push({ point: p, inc: values })
    } else out.push({ point: p, inc: values.map((v, i) => v - prev.values[i]) })
  }
  return out
}

function histogramQuantile(q: number, bounds: readonly number[], counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  const rank = q * total
  let cumulative = 0
  for (let i = 0; i < counts.length; i++) {
    const before = cumulative
    cumulative += counts[i]
    if (cumulative < rank || counts[i] === 0) continue
    if (i >= bounds.length) return bounds[bounds.length - 1]
    const lower = i === 0 ? 0 : bounds[i - 1]
    return lower + (bounds[i] - lower) * ((rank - before) / counts[i])
  }
  return bounds[bounds.length - 1]
}

export type Row = Record<string, unknown>

/** Expected rows of Q1..Q10 for `w`, as the query result shows them (times as epoch ns bigint). */
export function referenceAnswers(w: Workload): Record<string, Row[]> {
  const spans = w.spans
  const { start, end, slowTraceId, errorService } = w.facts
  const byDuration = [...spans].sort((a, b) => durationOf(b) - durationOf(a) || cmp(a.traceId, b.traceId) || cmp(a.spanId, b.spanId))
  const ops = new Map<string, number[]>()
  for (const s of spans) {
    const k = JSON.stringify([service(s), s.name])
    let list = ops.get(k)
    if (list === undefined) ops.set(k, (list = []))
    list.push(durationOf(s))
  }
  const q2 = [...ops].map(([k, list]) => {
    const [svc, name] = JSON.parse(k) as [string, string]
    const sorted = list.sort((a, b) => a - b)
    return { 'service.name': svc, name, count: sorted.length, p50_duration: nearestRank(sorted, 500), p95_duration: nearestRank(sorted, 950), p99_duration: nearestRank(sorted, 990) }
  })
  q2.sort((a, b) => b.p99_duration - a.p99_duration || cmp(a['service.name'], b['service.name']) || cmp(a.name, b.name))
  const services = [...new Set(spans.map(service))].sort()
  const errors = countBy(spans.filter((s) => s.statusCode === 2), service)
  const all = countBy(spans, service)
  const minutes: Row[] = []
  const errorMinutes = countBy(spans.filter((s) => s.statusCode === 2), (s) => String((s.start / MINUTE) * MINUTE))
  for (let t = start; t < end; t += MINUTE) minutes.push({ time: t, count: errorMinutes.get(String(t)) ?? 0 })
  const spanName = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s.name]))
  const counter = increases(w.points.filter((p) => p.name === 'http.server.request.count'), start, (p) => [p.value!])
  const q9 = new Map<string, Row>()
  const FIVE = 5n * MINUTE
  for (const { point, inc } of counter) {
    const bin = (point.time / FIVE) * FIVE
    const k = `${point.attributes['http.route'] as string} ${bin}`
    const row = q9.get(k) ?? { 'http.route': point.attributes['http.route'], time: bin, increase_value: 0, rate_value: 0 }
    row.increase_value = (row.increase_value as number) + inc[0]
    row.rate_value = (row.increase_value as number) / 300
    q9.set(k, row)
  }
  const hist = increases(w.points.filter((p) => p.name === 'http.server.request.duration'), start, (p) => p.histogram!.bucketCounts.map(Number))
  const q10 = new Map<string, { bounds: readonly number[]; counts: number[] }>()
  for (const { point, inc } of hist) {
    const route = point.attributes['http.route'] as string
    const acc = q10.get(route) ?? { bounds: point.histogram!.explicitBounds, counts: inc.map(() => 0) }
    inc.forEach((v, i) => (acc.counts[i] += v))
    q10.set(route, acc)
  }
  return {
    Q1: byDuration.slice(0, 10).map((s) => ({ 'service.name': service(s), name: s.name, duration: durationOf(s), trace_id: s.traceId, span_id: s.spanId })),
    Q2: q2.slice(0, 20),
    Q3: services.map((s) => ({ 'service.name': s, spans: all.get(s), errors: errors.get(s) ?? 0, error_ratio: (errors.get(s) ?? 0) / all.get(s)! })),
    Q4: spans
      .filter((s) => s.traceId === slowTraceId)
      .sort((a, b) => cmp(Number(a.start - b.start), 0) || cmp(a.spanId, b.spanId))
      .map((s) => ({ span_id: s.spanId, parent_span_id: s.parentSpanId === '' ? null : s.parentSpanId, 'service.name': service(s), name: s.name, time: s.start, duration: durationOf(s), status_code: s.statusCode })),
    Q5: [...countBy(spans.filter((s) => service(s) === errorService && Number(s.attributes['http.response.status_code'] ?? 0) >= 500), (s) => String(s.attributes['http.route'] ?? ''))].map(([route, count]) => ({ 'attr.http.route': route === '' ? null : route, count })),
    Q6: minutes,
    Q7: [...countBy(w.logs.filter((l) => /timeout/.test(l.body)), service)].map(([s, count]) => ({ 'service.name': s, count })),
    Q8: [...countBy(w.logs.filter((l) => l.severityNumber >= 17 && spanName.has(`${l.traceId}/${l.spanId}`)), (l) => spanName.get(`${l.traceId}/${l.spanId}`)!)].map(([name, count]) => ({ 'span.name': name, count })),
    Q9: [...q9.values()],
    Q10: [...q10].map(([route, h]) => ({ 'http.route': route, p99: histogramQuantile(0.99, h.bounds, h.counts) })),
  }
}
