import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseQuery, planQuery, type QueryError } from '../query/index.ts'
import { parseCondition } from './condition.ts'
import { AlertError } from './errors.ts'
import { loadRuleFiles, parseRuleText } from './rule-file.ts'

const GOOD = `groups:
  - name: api
    interval: 30s
    rules:
      - alert: HighLatency
        query: spans | stats p99(duration) as p99 by service.name
        condition: p99 > 500ms
        for: 1m
        keep_firing_for: 2m
        labels: { severity: page }
        annotations:
          summary: "{{ $labels.service_name }} p99 is {{ $value }}"
`

/** The query service's own message for a query that does not plan. */
function queryMessage(query: string): string {
  try {
    planQuery(parseQuery(query), { now: 0n, source: query })
  } catch (error) {
    return (error as QueryError).message
  }
  throw new Error(`${query} plans`)
}

function fails(text: string, want: string): void {
  let error: unknown
  try {
    parseRuleText(text, 'rules.yaml')
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(AlertError)
  expect((error as AlertError).message).toBe(want)
}

describe('rule files', () => {
  test('a valid YAML file gives checked groups, durations in ms and the condition in nanoseconds', () => {
    const [group] = parseRuleText(GOOD, 'rules.yaml')
    expect(group).toMatchObject({ name: 'api', tenant: 'default', intervalMs: 30_000, source: 'rules.yaml' })
    expect(group.rules[0]).toMatchObject({
      alert: 'HighLatency',
      condition: { column: 'p99', op: '>', value: 500_000_000 },
      forMs: 60_000,
      keepFiringForMs: 120_000,
      windowMs: 30_000,
      labels: { severity: 'page' },
      noData: 'ok',
      onError: 'keep_state',
    })
  })

  test('JSON files are read the same way', () => {
    const json = JSON.stringify({ groups: [{ name: 'g', interval: '1s', rules: [{ alert: 'A', query: 'logs | stats count() as n', condition: { column: 'n', op: '<', value: 1 }, no_data: 'alerting' }] }] })
    expect(parseRuleText(json, 'rules.json')[0].rules[0]).toMatchObject({ condition: { column: 'n', op: '<', value: 1 }, noData: 'alerting' })
  })

  test('errors name the file, line, column, group and rule, with the query service message', () => {
    fails(GOOD.replace('stats p99', 'stats | p99'), 'rules.yaml:6:30: group "api", rule "HighLatency": cannot parse query: expected an expression, got "|" (query line 1, column 15)')
    const nope = 'spans\n  | stats nope(duration) as p99'
    fails(GOOD.replace('query: spans | stats p99(duration) as p99 by service.name', 'query: |\n          spans\n            | stats nope(duration) as p99'), `rules.yaml:8:21: group "api", rule "HighLatency": ${queryMessage(nope)} (query line 2, column 11)`)
    fails(GOOD.replace('p99 > 500ms', 'p95 > 500ms'), 'rules.yaml:7:20: group "api", rule "HighLatency": cannot use column "p95": the query\'s result has columns "service.name", "p99"')
    fails(GOOD.replace('p99 > 500ms', 'p99 >> 5'), 'rules.yaml:7:20: group "api", rule "HighLatency": cannot load rule: cannot parse condition: expected a number, a duration like 500ms or a quoted string after >, got "> 5"')
    fails(GOOD.replace('for: 1m', 'for: soon'), 'rules.yaml:8:14: group "api", rule "HighLatency": cannot load rule: for must be a duration like 5m or 30s, got "soon"')
    fails(GOOD.replace('{{ $value }}', '{{ $values }}'), 'rules.yaml:12:11: group "api", rule "HighLatency": cannot load rule: annotation summary: cannot use {{ $values }}: a template knows {{ $labels.<name> }}, {{ $value }}, {{ $rule }}, {{ $group }} and {{ $link }}')
    fails(GOOD.replace('for: 1m', 'fore: 1m'), 'rules.yaml:8:15: group "api", rule "HighLatency": cannot load rule: unknown field "fore"; known: alert, query, condition, window, for, keep_firing_for, labels, annotations, group_by, no_data, on_error, timeout')
    fails(GOOD.replace('interval: 30s', 'interval: [1'), 'rules.yaml:4:5: cannot parse rule file: Flow sequence in block collection must be sufficiently indented and end with a ]')
    fails('rules: []', 'rules.yaml:1:1: cannot load rules: expected an object with a list "groups"')
  })

  test('loadRuleFiles stops at the first invalid file and refuses a group defined twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-rules-'))
    writeFileSync(join(dir, 'a.yaml'), GOOD)
    writeFileSync(join(dir, 'b.yaml'), GOOD)
    await expect(loadRuleFiles([join(dir, 'a.yaml')])).resolves.toHaveLength(1)
    await expect(loadRuleFiles([join(dir, 'a.yaml'), join(dir, 'b.yaml')])).rejects.toThrow(/b\.yaml: group "api": cannot load group: another file has a group of that name/)
    await expect(loadRuleFiles([join(dir, 'missing.yaml')])).rejects.toThrow(/missing\.yaml: cannot read rule file/)
  })
})

describe('conditions', () => {
  const f = (spec: unknown, want: unknown) => expect(parseCondition(spec)).toEqual(want)
  test('text and object forms', () => {
    f('p99 > 500ms', { column: 'p99', op: '>', value: 500e6 })
    f('errors>=10', { column: 'errors', op: '>=', value: 10 })
    f('`service.errors` != 0', { column: 'service.errors', op: '!=', value: 0 })
    f('status = "error"', { column: 'status', op: '==', value: 'error' })
    f({ column: 'n', op: '<', value: 1 }, { column: 'n', op: '<', value: 1 })
    f({ column: 'p99', op: '>', value: '1.5s' }, { column: 'p99', op: '>', value: 1.5e9 })
  })
  test('mistakes', () => {
    f('p99', 'expected "<column> <op> <value>" with op one of >= <= == != > <, like "p99 > 500ms", got "p99"')
    f('status > "x"', 'a string value compares only with == or !=, got >')
    f({ column: 'n', op: '~', value: 1 }, 'op must be one of >= <= == != > <, got "~"')
  })
})
