/**
 * @module workload/logs
 * Log records: about 40 % written inside a generated span (same service, pod, time range,
 * with its trace and span ids; an error span logs an ERROR), the rest on their own.
 * Severities are skewed to INFO; about 2 % of bodies are timeouts (the word `timeout`, lower
 * case, a whole word). One record in ten has no observed time, as some SDKs send.
 */
import { LOG_TEMPLATES, SERVICES, SEVERITIES, TIMEOUT_SHARE, TIMEOUT_TEMPLATE } from './model.ts'
import type { Rand } from './rand.ts'
import type { Attributes, FlatLog, FlatSpan } from './records.ts'
import { podResource } from './traces.ts'

function fill(rand: Rand, template: string): string {
  return template.replace(/\{(n|ms|id|svc|bool)\}/g, (_m, k: string) => {
    if (k === 'n') return String(1 + rand.int(200))
    if (k === 'ms') return (rand.logNormal(40, 1) + 0.5).toFixed(1)
    if (k === 'id') return rand.hex(4)
    if (k === 'bool') return String(rand.chance(0.7))
    return rand.pick(SERVICES).name
  })
}

function band(severity: number): string {
  return severity >= 17 ? 'error' : severity >= 13 ? 'warn' : severity >= 9 ? 'info' : 'low'
}

/**
 * `count` log records over [start, end), some tied to `spans`.
 * @example makeLogs(rand, 1000, spans, start, end)
 */
export function makeLogs(rand: Rand, count: number, spans: readonly FlatSpan[], start: bigint, end: bigint): FlatLog[] {
  const out: FlatLog[] = []
  const width = Number(end - start)
  for (let i = 0; i < count; i++) {
    const span = spans.length > 0 && rand.chance(0.4) ? spans[rand.int(spans.length)] : undefined
    let [severityNumber, severityText] = rand.weighted(SEVERITIES)
    if (span?.statusCode === 2 && rand.chance(0.6)) [severityNumber, severityText] = [17, 'ERROR']
    let time: bigint
    let resource: Attributes
    if (span !== undefined) {
      time = span.start + BigInt(Math.floor(rand.next() * Number(span.end - span.start)))
      resource = span.resource
    } else {
      time = start + BigInt(Math.floor(rand.next() * width))
      const service = rand.pick(SERVICES)
      resource = podResource(service, rand.int(service.pods))
    }
    const timeout = rand.chance(TIMEOUT_SHARE)
    const body = fill(rand, timeout ? TIMEOUT_TEMPLATE : rand.pick(LOG_TEMPLATES[band(severityNumber)]))
    const attributes: Attributes = { 'log.iostream': rand.chance(0.9) ? 'stdout' : 'stderr' }
    if (rand.chance(0.3)) attributes['thread.id'] = BigInt(1 + rand.int(64))
    if (severityNumber >= 17) attributes['exception.type'] = rand.pick(['TimeoutError', 'DeclinedError', 'IOError'])
    if (rand.chance(0.2)) attributes['code.function'] = rand.pick(['handle', 'render', 'reserve', 'charge'])
    out.push({
      time,
      observedTime: rand.chance(0.1) ? 0n : time + BigInt(rand.int(50_000_000)),
      severityNumber,
      severityText,
      body,
      traceId: span?.traceId ?? '',
      spanId: span?.spanId ?? '',
      resource,
      attributes,
    })
  }
  return out
}
