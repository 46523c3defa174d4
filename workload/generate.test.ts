/**
 * The generator: deterministic, records shaped as the model says (trees whose parents exist,
 * everything in the window, the planted slow trace, errors where they should be, logs in
 * their spans), and OTLP/JSON requests and storage batches holding every record.
 */
import { describe, expect, it } from 'vitest'
import { generateWorkload, otlpJson, workloadBatches, type Workload } from './index.ts'

const w: Workload = generateWorkload({ spans: 6_000, logs: 4_000, minutes: 10 })
const service = (r: { resource: Record<string, unknown> }) => r.resource['service.name'] as string

describe('workload generator', () => {
  it('makes the same records from the same seed, others from another', () => {
    const again = generateWorkload({ spans: 6_000, logs: 4_000, minutes: 10 })
    expect(again).toEqual(w)
    expect(generateWorkload({ spans: 6_000, logs: 4_000, minutes: 10, seed: 7 }).spans[0]).not.toEqual(w.spans[0])
  })

  it('makes trace trees whose parents exist, with unique ids, inside the window', () => {
    expect(w.spans.length).toBeGreaterThanOrEqual(6_000)
    const ids = new Set(w.spans.map((s) => `${s.traceId}/${s.spanId}`))
    expect(ids.size).toBe(w.spans.length)
    for (const s of w.spans) {
      expect(s.parentSpanId === '' || ids.has(`${s.traceId}/${s.parentSpanId}`)).toBe(true)
      expect(s.start >= w.facts.start && s.start < w.facts.end && s.end > s.start).toBe(true)
    }
    const kinds = new Set(w.spans.map((s) => s.kind))
    expect([...kinds].sort()).toEqual([1, 2, 3, 4, 5])
  })

  it('plants one slow trace whose root is the slowest span', () => {
    const slowest = w.spans.reduce((a, b) => (b.end - b.start > a.end - a.start ? b : a))
    expect(slowest.traceId).toBe(w.facts.slowTraceId)
    expect(slowest.parentSpanId).toBe('')
    expect(Number(slowest.end - slowest.start)).toBeGreaterThan(95e9)
  })

  it('raises most errors in the error service (an exception event), passed on to callers', () => {
    const errors = w.spans.filter((s) => s.statusCode === 2)
    expect(errors.length / w.spans.length).toBeGreaterThan(0.003)
    expect(errors.length / w.spans.length).toBeLessThan(0.05)
    // Share of each service's server spans that raise an error.
    const rate = new Map<string, [number, number]>()
    for (const s of w.spans.filter((x) => x.kind === 2)) {
      const r = rate.get(service(s)) ?? [0, 0]
      rate.set(service(s), [r[0] + (s.events.some((e) => e.name === 'exception') ? 1 : 0), r[1] + 1])
    }
    expect([...rate].sort((a, b) => b[1][0] / b[1][1] - a[1][0] / a[1][1])[0][0]).toBe(w.facts.errorService)
    expect(errors.filter((s) => s.kind === 3).length).toBeGreaterThan(0)
  })

  it('writes logs inside their spans, with severities, timeouts and some unset observed times', () => {
    const spans = new Map(w.spans.map((s) => [`${s.traceId}/${s.spanId}`, s]))
    const traced = w.logs.filter((l) => l.traceId !== '')
    expect(traced.length / w.logs.length).toBeGreaterThan(0.3)
    for (const l of traced) {
      const s = spans.get(`${l.traceId}/${l.spanId}`)!
      expect(service(l)).toBe(service(s))
      expect(l.time >= s.start && l.time <= s.end).toBe(true)
    }
    expect(new Set(w.logs.map((l) => l.severityNumber))).toEqual(new Set([1, 5, 9, 13, 17, 21]))
    expect(w.logs.some((l) => /\btimeout\b/.test(l.body))).toBe(true)
    expect(w.logs.some((l) => l.observedTime === 0n)).toBe(true)
  })

  it('makes gauges, a counter that resets once per series of one pod, and histograms', () => {
    const names = new Set(w.points.map((p) => p.name))
    expect(names).toEqual(new Set(['system.cpu.utilization', 'process.memory.usage', 'http.server.request.count', 'http.server.request.duration']))
    const starts = new Set(w.points.filter((p) => p.type !== 'gauge').map((p) => p.start))
    expect(starts.size).toBeGreaterThan(1)
    for (const p of w.points.filter((x) => x.histogram !== undefined)) {
      expect(p.histogram!.bucketCounts.length).toBe(p.histogram!.explicitBounds.length + 1)
      expect(p.histogram!.bucketCounts.reduce((a, b) => a + b, 0n)).toBe(p.histogram!.count)
    }
  })

  it('gives every record to OTLP/JSON requests and to storage batches', () => {
    const json = otlpJson(w)
    const count = (list: unknown[], path: string[]) => list.reduce<number>((n, r) => n + (path.reduce<unknown[]>((xs, k) => xs.flatMap((x) => (x as Record<string, unknown[]>)[k] ?? []), [r]).length), 0)
    expect(count(json.traces, ['resourceSpans', 'scopeSpans', 'spans'])).toBe(w.spans.length)
    expect(count(json.logs, ['resourceLogs', 'scopeLogs', 'logRecords'])).toBe(w.logs.length)
    const points = json.metrics.flatMap((r) => (r.resourceMetrics as { scopeMetrics: { metrics: Record<string, { dataPoints: unknown[] }>[] }[] }[]).flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => (m.gauge ?? m.sum ?? m.histogram).dataPoints))))
    expect(points.length).toBe(w.points.length)
    const b = workloadBatches(w)
    expect(b.spans.reduce((n, x) => n + x.length, 0)).toBe(w.spans.length)
    expect(b.logs.reduce((n, x) => n + x.length, 0)).toBe(w.logs.length)
    expect(b.metrics.reduce((n, x) => n + x.length, 0)).toBe(w.points.length)
  })
})
