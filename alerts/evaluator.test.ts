/**
 * Evaluation through the real query engine over a MemoryStore: group keys become labels, "no
 * data" and "query error" follow the rule, and a slow rule delays no other rule.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { runQuery } from '../query/index.ts'
import { BatchBuilder, LOG_COLUMNS, MemoryStore } from '../storage/index.ts'
import { AlertService } from './alert-service.ts'
import { evaluateRule, type QueryRunner } from './evaluator.ts'
import { parseRuleText } from './rule-file.ts'
import { waitFor } from '../test/support/wait-for.ts'

const NOW = Date.parse('2026-12-07T04:00:00Z')

async function storeWithErrors(services: Record<string, number>): Promise<MemoryStore> {
  const store = new MemoryStore()
  const b = new BatchBuilder('logs')
  let row = 0
  for (const [service, n] of Object.entries(services)) {
    for (let i = 0; i < n; i++, row++) {
      b.setI64(LOG_COLUMNS.timeUnixNano, row, BigInt(NOW - 1000) * 1_000_000n)
      b.setU32(LOG_COLUMNS.severityNumber, row, 17)
      b.setStr('r:service.name', row, service)
    }
  }
  await store.append('default', b.finish(row))
  return store
}

function rule(extra = '', query = 'logs | where severity >= 17 | stats count() as errors by service.name') {
  const [group] = parseRuleText(`groups:\n  - name: g\n    interval: 1m\n    rules:\n      - alert: Errors\n        query: ${query}\n        condition: errors > 2\n        labels: { team: "{{ $labels.service_name }}-oncall" }\n${extra}`, 'rules.yaml')
  return group.rules[0]
}

const runner = (store: MemoryStore): QueryRunner => (text, o) => runQuery(text, { ...o, store })

describe('evaluateRule', () => {
  test('each result row is a sample labelled by its group keys and the rule labels', async () => {
    const store = await storeWithErrors({ checkout: 3, cart: 1 })
    const r = await evaluateRule({ rule: rule(), group: 'g', tenant: 'default', now: NOW, link: 'l', run: runner(store) })
    expect(r).toEqual({
      kind: 'samples',
      samples: [
        { labels: { service_name: 'checkout', team: 'checkout-oncall', alertname: 'Errors' }, value: 3, holds: true },
        { labels: { service_name: 'cart', team: 'cart-oncall', alertname: 'Errors' }, value: 1, holds: false },
      ],
    })
  })

  test('the window ends at now: older rows are not seen', async () => {
    const store = await storeWithErrors({ checkout: 3 })
    const r = await evaluateRule({ rule: rule('        window: 500ms\n'), group: 'g', tenant: 'default', now: NOW, link: 'l', run: runner(store) })
    expect(r).toEqual({ kind: 'samples', samples: [] })
  })

  test('no data: ok gives no samples, alerting one alert for the rule, keep_state keeps', async () => {
    const store = new MemoryStore()
    const input = (extra: string) => ({ rule: rule(extra), group: 'g', tenant: 'default', now: NOW, link: 'l', run: runner(store) })
    expect(await evaluateRule(input(''))).toEqual({ kind: 'samples', samples: [] })
    expect(await evaluateRule(input('        no_data: keep_state\n'))).toEqual({ kind: 'keep' })
    expect(await evaluateRule(input('        no_data: alerting\n'))).toEqual({
      kind: 'samples',
      samples: [{ labels: { blazedb_reason: 'no_data', team: '-oncall', alertname: 'Errors' }, value: null, holds: true }],
    })
  })

  test('a missing heartbeat: stats without by always has one row, so count 0 meets "< 1"', async () => {
    const [group] = parseRuleText(`groups:\n  - name: g\n    rules:\n      - alert: NoHeartbeat\n        query: logs | where body = "heartbeat" | stats count() as beats\n        condition: beats < 1\n`, 'rules.yaml')
    const r = await evaluateRule({ rule: group.rules[0], group: 'g', tenant: 'default', now: NOW, link: 'l', run: runner(new MemoryStore()) })
    expect(r).toEqual({ kind: 'samples', samples: [{ labels: { alertname: 'NoHeartbeat' }, value: 0, holds: true }] })
  })

  test('query errors: keep_state by default, alerting or ok when the rule says so', async () => {
    const failing: QueryRunner = async () => {
      throw new Error('storage is away')
    }
    const input = (extra: string) => ({ rule: rule(extra), group: 'g', tenant: 'default', now: NOW, link: 'l', run: failing })
    expect(await evaluateRule(input(''))).toEqual({ kind: 'keep', error: 'cannot evaluate rule: storage is away' })
    expect(await evaluateRule(input('        on_error: ok\n'))).toEqual({ kind: 'samples', samples: [], error: 'cannot evaluate rule: storage is away' })
    expect(await evaluateRule(input('        on_error: alerting\n'))).toMatchObject({ kind: 'samples', samples: [{ labels: { blazedb_reason: 'error', alertname: 'Errors' }, holds: true }] })
  })
})

describe('isolation', () => {
  test('a rule whose query hangs skips its own ticks and delays no other rule', async () => {
    const store = await storeWithErrors({ checkout: 3 })
    const calls: Record<string, number> = { fast: 0, slow: 0 }
    const run: QueryRunner = (text, o) => {
      if (text.includes('"slow"')) {
        calls.slow++
        // Hangs until its time limit.
        return new Promise((_, fail) => o.signal.addEventListener('abort', () => fail(o.signal.reason)))
      }
      calls.fast++
      return runQuery(text, { ...o, store })
    }
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-isolation-'))
    const file = join(dir, 'rules.yaml')
    writeFileSync(
        file,
        `groups:\n  - name: g\n    interval: 100ms\n    rules:\n      - alert: Slow\n        query: logs | where body = "slow" | stats count() as n\n        condition: n > 0\n        timeout: 10s\n      - alert: Fast\n        query: logs | stats count() as n\n        condition: n >= 0\n`,
    )
    const service = await AlertService.start({ config: { ruleFiles: [file] }, defaultExternalUrl: 'http://x', run, docs: store.documents, sink: (t, b) => store.append(t, b), tenants: () => ['default'] })
    try {
      await waitFor('ten evaluations of the fast rule', () => calls.fast >= 10)
      expect(calls.slow).toBe(1)
      const rules = (service.rules('default')[0] as any).rules
      expect(rules.find((r: any) => r.alert === 'Slow').skippedEvaluations).toBeGreaterThanOrEqual(5)
      expect(rules.find((r: any) => r.alert === 'Fast').state).toBe('firing')
    } finally {
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('rule groups made through the API', () => {
  test('load at start for every tenant that stored one, including tenants no configured token names', async () => {
    const store = new MemoryStore()
    const start = () => AlertService.start({ config: undefined, defaultExternalUrl: 'http://x', run: runner(store), docs: store.documents, sink: (t, b) => store.append(t, b), tenants: () => ['default'] })
    const first = await start()
    await first.putGroup('made-at-run-time', 'g', { interval: '1h', rules: [{ alert: 'Errors', query: 'logs | stats count() as n', condition: 'n > 0' }] })
    await first.stop()
    const second = await start()
    try {
      expect((second.rules('made-at-run-time') as { name: string }[]).map((g) => g.name)).toEqual(['g'])
    } finally {
      await second.stop()
    }
  })
})
