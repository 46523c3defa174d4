/**
 * @module alerts/history
 * Every state transition as a log record of the rule's tenant, so alert history is queried and
 * charted like any other data:
 *
 *     logs | where service.name = "blazedb-alerts" and alert.rule = "HighLatency" | sort time
 *
 * Records carry resource `service.name = blazedb-alerts` and attributes `alert.rule`,
 * `alert.group`, `alert.state`, `alert.previous_state`, `alert.fingerprint`, `alert.value` and
 * one `alert.label.<name>` per label. Written through a batch sink (the one door for data).
 */
import { ATTR_PREFIX, BatchBuilder, LOG_COLUMNS, RESOURCE_ATTR_PREFIX, COMMON_COLUMNS, SPAN_ID_BYTES, TRACE_ID_BYTES, type Batch } from '../storage/index.ts'
import type { Transition } from './alert-model.ts'

/** Where batches go: `(tenant, batch) => store.append(tenant, batch)` until ingest's Intake lands. */
export type BatchSink = (tenant: string, batch: Batch) => Promise<void>

export const HISTORY_SERVICE = 'blazedb-alerts'

/** OTLP severity numbers (logs data model): INFO 9, WARN 13. */
const SEVERITY = { inactive: [9, 'INFO'], pending: [9, 'INFO'], firing: [13, 'WARN'], resolved: [9, 'INFO'] } as const

const NO_TRACE = new Uint8Array(TRACE_ID_BYTES)
const NO_SPAN = new Uint8Array(SPAN_ID_BYTES)

/** One log batch holding a record per transition, all at `now` (ms). */
export function historyBatch(group: string, rule: string, transitions: readonly Transition[], now: number): Batch {
  const b = new BatchBuilder('logs')
  const time = BigInt(now) * 1_000_000n
  transitions.forEach((t, row) => {
    const [severity, text] = SEVERITY[t.to]
    b.setI64(LOG_COLUMNS.timeUnixNano, row, time)
    b.setI64(LOG_COLUMNS.observedTimeUnixNano, row, time)
    b.setU32(LOG_COLUMNS.severityNumber, row, severity)
    b.setStr(LOG_COLUMNS.severityText, row, text)
    b.setBytes(LOG_COLUMNS.traceId, row, TRACE_ID_BYTES, NO_TRACE)
    b.setBytes(LOG_COLUMNS.spanId, row, SPAN_ID_BYTES, NO_SPAN)
    b.setStr(LOG_COLUMNS.body, row, `${rule} ${t.from} -> ${t.to}: ${describe(t.instance.labels)}`)
    b.setStr(COMMON_COLUMNS.scopeName, row, HISTORY_SERVICE)
    b.setStr(`${RESOURCE_ATTR_PREFIX}service.name`, row, HISTORY_SERVICE)
    b.setStr(`${ATTR_PREFIX}alert.rule`, row, rule)
    b.setStr(`${ATTR_PREFIX}alert.group`, row, group)
    b.setStr(`${ATTR_PREFIX}alert.state`, row, t.to)
    b.setStr(`${ATTR_PREFIX}alert.previous_state`, row, t.from)
    b.setStr(`${ATTR_PREFIX}alert.fingerprint`, row, t.instance.fingerprint)
    const value = t.instance.value
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') b.setAttribute(`${ATTR_PREFIX}alert.value`, row, value)
    for (const [k, v] of Object.entries(t.instance.labels)) b.setStr(`${ATTR_PREFIX}alert.label.${k}`, row, v)
  })
  return b.finish(transitions.length)
}

function describe(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')
}
