/**
 * @module test/support/workload-queries
 * The reference questions Q1..Q10 (the reference workload's SPEC.md, also asked of the
 * repository's own workload) written in the query language. Q4 needs the slow trace's id and
 * Q5 the error service.
 */

export type ReferenceId = 'Q1' | 'Q2' | 'Q3' | 'Q4' | 'Q5' | 'Q6' | 'Q7' | 'Q8' | 'Q9' | 'Q10'

/** What Q4 and Q5 refer to. */
export interface ReferenceFacts {
  readonly slowTraceId: string
  readonly errorService: string
}

/**
 * The ten queries for one workload.
 * @example referenceQueries({ slowTraceId, errorService }).Q3 // 'spans | stats count() as spans, ...'
 */
export function referenceQueries(facts: ReferenceFacts): Record<ReferenceId, string> {
  const trace = facts.slowTraceId
  const service = facts.errorService
  return {
    Q1: 'spans | sort duration desc, trace_id, span_id | limit 10 | select service.name, name, duration, trace_id, span_id',
    Q2: 'spans | stats count(), p50(duration), p95(duration), p99(duration) by service.name, name | sort p99_duration desc, service.name, name | limit 20',
    Q3: 'spans | stats count() as spans, countif(status = "error") as errors by service.name | extend errors / spans as error_ratio | sort service.name',
    Q4: `spans | where trace_id = "${trace}" | sort time, span_id | select span_id, parent_span_id, service.name, name, time, duration, status_code`,
    Q5: `spans | where service.name = "${service}" and attr.http.response.status_code >= 500 | stats count() by attr.http.route | sort count desc`,
    Q6: 'spans | where status = "error" | stats count() by bin(time, 1m) | sort time',
    Q7: 'logs | where body contains "timeout" | stats count() by service.name | sort count desc, service.name',
    Q8: 'logs | where severity >= 17 | join spans as span on trace_id, span_id | stats count() by span.name | sort count desc, span.name',
    Q9: 'metrics | where metric.name = "http.server.request.count" | stats increase(value), rate(value) by http.route, bin(time, 5m) | sort http.route, time',
    Q10: 'metrics | where metric.name = "http.server.request.duration" | stats histogram_quantile(0.99) as p99 by http.route | sort http.route',
  }
}

/** The trace lookup the benchmark times: every span of the slow trace, as a tree. */
export function traceLookupQuery(facts: { slowTraceId: string }): string {
  return `trace "${facts.slowTraceId}"`
}
