import { describe, expect, it } from 'vitest'
import { parseExposition, type ExpositionFormat } from './exposition-parser.ts'

describe('parseExposition', () => {
  const f = (format: ExpositionFormat, line: string, want: object) => expect(parseExposition(line, format).samples).toEqual([want])

  it('parses samples of the text format', () => {
    f('text', 'up 1', { name: 'up', labels: [], value: 1 })
    f('text', '  http_requests_total{method="post",code="200"} 1027 1395066363000', { name: 'http_requests_total', labels: [['method', 'post'], ['code', '200']], value: 1027, timestampMs: 1395066363000 })
    f('text', 'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9', {
      name: 'msdos_file_access_time_seconds',
      labels: [['path', 'C:\\DIR\\FILE.TXT'], ['error', 'Cannot find file:\n"FILE.TXT"']],
      value: 1.458255915e9,
    })
    f('text', 'x{a="1",} +Inf', { name: 'x', labels: [['a', '1']], value: Infinity })
    f('text', 'x{ } -Inf', { name: 'x', labels: [], value: -Infinity })
    f('text', 'x{a="}{,"} -0.5e-3', { name: 'x', labels: [['a', '}{,']], value: -0.0005 })
    expect(parseExposition('x NaN', 'text').samples[0].value).toBeNaN()
  })

  it('reads OpenMetrics timestamps as seconds, skips exemplars and stops at # EOF', () => {
    f('openmetrics', 'foo_total 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67', { name: 'foo_total', labels: [], value: 17, timestampMs: 1520879607789 })
    expect(parseExposition('a 1\n# EOF\nb 2\n', 'openmetrics').samples.map((s) => s.name)).toEqual(['a'])
  })

  it('collects HELP, TYPE and UNIT per family', () => {
    const e = parseExposition('# HELP a_seconds Time \\\\ spent.\n# TYPE a_seconds histogram\n# UNIT a_seconds seconds\n# TYPE b untyped\n# a comment\n', 'openmetrics')
    expect(Object.fromEntries(e.families)).toEqual({ a_seconds: { type: 'histogram', help: 'Time \\ spent.', unit: 'seconds' }, b: { type: 'unknown', help: '', unit: '' } })
  })

  it('names the line and the problem of a bad exposition', () => {
    const bad = (text: string, want: string) => expect(() => parseExposition(text, 'text')).toThrow(want)
    bad('ok 1\n9bad 1', 'cannot parse the exposition: line 2: expected a metric name, got "9bad 1"')
    bad('x{a=1} 1', 'line 1: expected ="value" after label a')
    bad('x{a="1} 1', 'line 1: unterminated value of label a')
    bad('x{a="1" b="2"} 1', 'line 1: expected , or } after the value of label a')
    bad('x{a="1",a="2"} 1', 'line 1: label a appears twice')
    bad('x one', 'line 1: expected a number, got "one"')
    bad('x 1 2 3', 'line 1: expected a value and an optional timestamp after x')
    bad('x', 'line 1: expected a value and an optional timestamp after x')
    bad('# TYPE x thing', 'line 1: unknown metric type "thing"')
  })
})
