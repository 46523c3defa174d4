/**
 * The queries the Services, Traces, Logs and Metrics pages write from what a user picked: every
 * one parses with the real parser, names from telemetry are quoted so they cannot change the
 * query, bad filters give a clear error; and the critical path of a trace.
 */
import { describe, expect, test } from 'vitest'
import { criticalPath, type TimedSpan } from '../dashboards/web/pages/critical-path.ts'
import { histogramQuery, logsFilter } from '../dashboards/web/pages/logs-search.ts'
import { functionsFor, metricQuery } from '../dashboards/web/pages/metric-query.ts'
import { filtersFrom, searchQuery } from '../dashboards/web/pages/trace-search.ts'
import { bucketWidth, durationText, fieldPath, quote } from '../dashboards/web/query-text.ts'
import { parseQuery, printQuery } from '../query/index.ts'

const parses = (text: string): string => printQuery(parseQuery(text))

describe('query text', () => {
  test('quote makes literals the parser reads back exactly', () => {
    for (const s of ['plain', 'say "hi"', 'back\\slash', 'line\nbreak\ttab\r', '\u0001\u2028', '<script>"</script>', 'ünï 😀']) {
      const q = parseQuery(`logs | where body = ${quote(s)}`)
      const where = q.stages[0] as unknown as { predicate: { right: { value: unknown } } }
      expect(where.predicate.right.value).toBe(s)
    }
  })
  test('fieldPath quotes parts that are not identifiers or are reserved', () => {
    const f = (input: string, want: string | undefined): void => expect(fieldPath(input)).toBe(want)
    f('attr.http.route', 'attr.http.route')
    f('attr.k8s-pod', 'attr.`k8s-pod`')
    f('resource.in', 'resource.`in`')
    f('attr.<b onmouseover=x>', 'attr.`<b onmouseover=x>`')
    f('attr.a`b', undefined)
    f('attr..x', undefined)
    expect(parses(`metrics | stats count() by ${fieldPath('attr.<svg onload="window.__xss=1">')}`)).toContain('`<svg onload="window`.`__xss=1">`')
  })
  test('durations and bucket widths', () => {
    expect(durationText(' 250ms ')).toBe('250ms')
    expect(durationText('1.5 s')).toBe('1.5s')
    expect(durationText('fast')).toBeUndefined()
    expect(bucketWidth(3600_000).text).toBe('30s')
    expect(bucketWidth(30 * 60_000, 30).text).toBe('1m')
    expect(bucketWidth(365 * 86400_000).text).toBe('1d')
  })
})

describe('Traces search', () => {
  const q = (search: string): string | Error => searchQuery(filtersFrom(new URLSearchParams(search)))
  test('no filter lists root spans, most recent first', () => {
    expect(parses(q('') as string)).toBe(parses('spans | where not exists(parent_span_id) | sort time desc | limit 500 | select time, trace_id, span_id, resource.service.name as service, name, duration, status'))
  })
  test('every filter becomes a condition; values are quoted', () => {
    const text = q('service=pay"ments&op=charge&min=300ms&max=2s&status=error&attrs=http.route=/a%20http.response.status_code=500&sort=slowest') as string
    expect(parses(text)).toBe(parses('spans | where resource.service.name = "pay\\"ments" and name = "charge" and duration >= 300ms and duration <= 2s and status = "error" and http.route = "/a" and http.response.status_code = 500 | sort duration desc | limit 500 | select time, trace_id, span_id, resource.service.name as service, name, duration, status'))
  })
  test('bad filters are errors that say what to write', () => {
    expect((q('min=fast') as Error).message).toBe('cannot read minimum duration "fast": expected a number and a unit, like 250ms or 1.5s')
    expect((q('attrs=nokey') as Error).message).toContain('expected key=value')
    expect(filtersFrom(new URLSearchParams('status=bogus')).status).toBe('')
  })
})

describe('Logs search', () => {
  test('text is matched in any case; severity, service and a condition add up', () => {
    const f = { text: 'TimeOut "x"', sev: '17', service: 'api', filter: 'attr.a = 1 or attr.b = 2' }
    expect(parses(logsFilter(f))).toBe(parses('logs | where lower(body) contains "timeout \\"x\\"" and severity >= 17 and resource.service.name = "api" and (attr.a = 1 or attr.b = 2)'))
    expect(parses(histogramQuery(f, '1m'))).toContain('by bin(time, 1m)')
    expect(logsFilter({ text: '', sev: '', service: '', filter: '' })).toBe('logs')
  })
})

describe('Metrics', () => {
  const counter = { type: 'sum', monotonic: true, unit: '{request}', description: '' }
  const histogram = { type: 'histogram', monotonic: false, unit: 's', description: '' }
  const gauge = { type: 'gauge', monotonic: false, unit: '', description: '' }
  test('the function fits the type', () => {
    expect(functionsFor(counter)).toEqual(['rate', 'increase'])
    expect(functionsFor(gauge)[0]).toBe('avg')
    expect(functionsFor(histogram)).toEqual(['quantile'])
    expect(functionsFor({ ...gauge, type: 'summary' })).toEqual([])
  })
  test('queries per type, grouped or not', () => {
    const m = (c: Partial<Parameters<typeof metricQuery>[0]>, info = counter): string => parses(metricQuery({ metric: 'm"1', fn: '', q: '', by: '', ...c }, info, '1m') as string)
    expect(m({})).toBe(parses('metrics | where metric.name = "m\\"1" | stats rate(value) as rate by bin(time, 1m)'))
    expect(m({ fn: 'increase', by: 'attr.http.route' })).toBe(parses('metrics | where metric.name = "m\\"1" | stats increase(value) as increase by bin(time, 1m), attr.http.route as group'))
    expect(m({}, histogram)).toBe(parses('metrics | where metric.name = "m\\"1" | stats histogram_quantile(0.5) as p50, histogram_quantile(0.95) as p95, histogram_quantile(0.99) as p99 by bin(time, 1m)'))
    expect(m({ by: 'resource.host.name' }, histogram)).toContain('histogram_quantile(0.95) as p95')
    expect(m({ q: '0.99', fn: 'rate' }, histogram)).toContain('histogram_quantile(0.99) as p99 by')
    expect(m({ fn: 'max' }, gauge)).toContain('max(value) as max')
    expect((metricQuery({ metric: 's', fn: '', q: '', by: '' }, { ...gauge, type: 'summary' }, '1m') as Error).message).toContain('cannot chart s: metrics of type summary are not supported')
  })
})

describe('critical path', () => {
  const span = (id: string, startMs: number, endMs: number, children: TimedSpan[] = []): TimedSpan => ({ id, startMs, endMs, children })
  test('sequential children are all on the path; a child overlapping the last one is not', () => {
    // root 0..100; c (40..95) ends last; e (50..90) ran beside c; b (20..35) ended before c
    // started; a (0..30) overlaps b. So: root, c and d inside it, then b.
    const root = span('root', 0, 100, [span('a', 0, 30), span('b', 20, 35), span('c', 40, 95, [span('d', 60, 70)]), span('e', 50, 90)])
    expect([...criticalPath([root])].sort()).toEqual(['b', 'c', 'd', 'root'])
  })
  test('a child ending after its parent (clock skew) still counts; children starting before the parent do not', () => {
    expect([...criticalPath([span('r', 0, 10, [span('late', 5, 11), span('early', -5, 4)])])].sort()).toEqual(['late', 'r'])
  })
})
