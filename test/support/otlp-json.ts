/**
 * @module test/support/otlp-json
 * OTLP/JSON export requests for end-to-end query tests: spans of named services, log records
 * with given bodies, gauge points, with times just before now (inside every retention window).
 */

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, '0')

/** Nanoseconds `ago` before the time this module loaded, as OTLP/JSON's decimal string. */
export function agoNs(ago: bigint): string {
  return `${BigInt(Date.now()) * 1_000_000n - ago}`
}

const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] })

/** `count` spans of `service` numbered from `first` (ids and times follow the number), 5 ms long. */
export function spansRequest(service: string, first: number, count: number): unknown {
  const spans = Array.from({ length: count }, (_, k) => {
    const i = first + k
    const start = BigInt(agoNs(600_000_000_000n)) + BigInt(i) * 1_000_000n
    return {
      traceId: hex(Math.floor(i / 4) + 1, 32),
      spanId: hex(i + 1, 16),
      ...(i % 4 === 0 ? {} : { parentSpanId: hex(i - (i % 4) + 1, 16) }),
      name: `op-${i % 7}`,
      kind: 2,
      startTimeUnixNano: `${start}`,
      endTimeUnixNano: `${start + 5_000_000n + BigInt(i % 11) * 1_000_000n}`,
      status: { code: i % 13 === 0 ? 2 : 1 },
      attributes: [
        { key: 'http.route', value: { stringValue: `/r/${i % 5}` } },
        { key: 'http.response.status_code', value: { intValue: `${i % 13 === 0 ? 503 : 200}` } },
      ],
    }
  })
  return { resourceSpans: [{ resource: resource(service), scopeSpans: [{ scope: { name: 'test' }, spans }] }] }
}

/** One log record per body, of `service`, a millisecond apart. */
export function logsRequest(service: string, bodies: readonly string[]): unknown {
  const logRecords = bodies.map((body, i) => ({
    timeUnixNano: agoNs(60_000_000_000n - BigInt(i) * 1_000_000n),
    severityNumber: i % 3 === 0 ? 17 : 9,
    body: { stringValue: body },
    ...(i % 2 === 0 ? { traceId: hex(i + 1, 32), spanId: hex(i * 4 + 1, 16) } : {}),
  }))
  return { resourceLogs: [{ resource: resource(service), scopeLogs: [{ logRecords }] }] }
}

/** `count` points of one gauge, a second apart. */
export function gaugeRequest(service: string, name: string, count: number): unknown {
  const dataPoints = Array.from({ length: count }, (_, i) => ({ timeUnixNano: agoNs(120_000_000_000n - BigInt(i) * 1_000_000_000n), asDouble: i * 1.5, attributes: [{ key: 'host', value: { stringValue: `h${i % 3}` } }] }))
  return { resourceMetrics: [{ resource: resource(service), scopeMetrics: [{ metrics: [{ name, unit: 'ms', gauge: { dataPoints } }] }] }] }
}

/** POSTs an OTLP/JSON request; the status. */
export async function exportJson(address: string, path: '/v1/traces' | '/v1/logs' | '/v1/metrics', body: unknown): Promise<number> {
  const res = await fetch(`http://${address}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) })
  await res.arrayBuffer()
  return res.status
}
