/**
 * @module workload/metrics
 * Metric points every `interval` over the window, all series at t, then all at t + interval:
 * CPU and memory gauges per pod; `http.server.request.count` (cumulative, monotonic) per pod,
 * route and status code; `http.server.request.duration` histograms (12 bounds, 13 buckets, in
 * seconds) per pod and route. Cumulative series start one interval before the window. One
 * cart-service pod restarts at mid-window: its cumulative series reset and report a new start.
 */
import { ROUTES, SERVICES, type Route, type Service } from './model.ts'
import type { Rand } from './rand.ts'
import type { Attributes, FlatPoint } from './records.ts'
import { podResource } from './traces.ts'

export const DURATION_BOUNDS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5]

interface Series {
  readonly resource: Attributes
  readonly pod: string
  readonly route?: Route
  readonly status?: number
  readonly kind: 'cpu' | 'memory' | 'count' | 'duration'
  gauge: number
  count: bigint
  sum: number
  buckets: bigint[]
  start: bigint
}

function seriesOf(): Series[] {
  const out: Series[] = []
  const base = { gauge: 0, count: 0n, sum: 0, buckets: [] as bigint[], start: 0n }
  for (const service of SERVICES as Service[]) {
    for (let pod = 0; pod < service.pods; pod++) {
      const resource = podResource(service, pod)
      const podName = resource['k8s.pod.name'] as string
      out.push({ ...base, resource, pod: podName, kind: 'cpu', gauge: 0.2 + (pod % 3) * 0.1 })
      out.push({ ...base, resource, pod: podName, kind: 'memory', gauge: 2e8 + pod * 3e7 })
      for (const route of ROUTES.filter((r) => r.service === service.name)) {
        for (const status of route.method === 'POST' ? [201, 500] : [200, 404, 500]) out.push({ ...base, resource, pod: podName, route, status, kind: 'count' })
        out.push({ ...base, resource, pod: podName, route, kind: 'duration', buckets: DURATION_BOUNDS.map(() => 0n).concat([0n]) })
      }
    }
  }
  return out
}

const STATUS_SHARE: Record<number, number> = { 200: 20, 201: 12, 404: 1, 500: 0.5 }

/**
 * Points of every series at `start + interval * k` for k in [0, count).
 * @example makePoints(rand, 40, T0, 15_000_000_000n)
 */
export function makePoints(rand: Rand, count: number, start: bigint, interval: bigint): FlatPoint[] {
  const series = seriesOf()
  for (const s of series) s.start = start - interval
  const restartPod = series.find((s) => s.resource['service.name'] === 'cart-service')!.pod
  const restartAt = Math.floor(count / 2)
  const out: FlatPoint[] = []
  for (let k = 0; k < count; k++) {
    const time = start + interval * BigInt(k) + BigInt(rand.int(1_000_000))
    for (const s of series) {
      if (k === restartAt && s.pod === restartPod && (s.kind === 'count' || s.kind === 'duration')) {
        s.start = time - BigInt(rand.int(Number(interval)))
        s.count = 0n
        s.sum = 0
        s.buckets = s.buckets.map(() => 0n)
      }
      const common = { time, resource: s.resource }
      if (s.kind === 'cpu' || s.kind === 'memory') {
        s.gauge = s.kind === 'cpu' ? Math.min(1, Math.max(0, s.gauge + (rand.next() - 0.5) * 0.05)) : Math.max(5e7, s.gauge + (rand.next() - 0.5) * 4e6)
        const name = s.kind === 'cpu' ? 'system.cpu.utilization' : 'process.memory.usage'
        out.push({ ...common, name, type: 'gauge', unit: s.kind === 'cpu' ? '1' : 'By', monotonic: false, temporality: 'unspecified', start: 0n, attributes: {}, value: s.gauge })
      } else if (s.kind === 'count') {
        s.count += BigInt(Math.round(rand.next() * 2 * STATUS_SHARE[s.status!]))
        const attributes: Attributes = { 'http.request.method': s.route!.method, 'http.route': s.route!.route, 'http.response.status_code': BigInt(s.status!) }
        out.push({ ...common, name: 'http.server.request.count', type: 'sum', unit: '{request}', monotonic: true, temporality: 'cumulative', start: s.start, attributes, value: Number(s.count) })
      } else {
        const n = rand.int(12)
        for (let j = 0; j < n; j++) {
          const seconds = rand.logNormal(s.route!.medianMs, s.route!.sigma) / 1000
          s.sum += seconds
          let b = DURATION_BOUNDS.findIndex((bound) => seconds <= bound)
          if (b < 0) b = DURATION_BOUNDS.length
          s.buckets[b]++
        }
        s.count += BigInt(n)
        const attributes: Attributes = { 'http.request.method': s.route!.method, 'http.route': s.route!.route }
        out.push({
          ...common, name: 'http.server.request.duration', type: 'histogram', unit: 's', monotonic: false, temporality: 'cumulative', start: s.start, attributes,
          histogram: { count: s.count, sum: s.sum, bucketCounts: [...s.buckets], explicitBounds: DURATION_BOUNDS },
        })
      }
    }
  }
  return out
}
