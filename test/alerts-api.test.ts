/**
 * The alerting API and the built-in receivers on the real server: an invalid rule file stops
 * the start naming the rule; reload by API and by SIGHUP (a bad file keeps the old rules); rule
 * groups made through the API are stored encrypted and survive a restart; a silence keeps an
 * alert from the receivers; a receiver that times out is retried while the others are notified
 * on time; the Slack payload.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import type { AlertsConfig } from '../alerts/index.ts'
import type { RunningServer } from '../cli/serve.ts'
import { getJson, sendErrorLogs, startQuietServer } from './support/alert-server.ts'
import { localConfig } from './support/server-config.ts'
import { startServerProcess } from './support/server-process.ts'
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts'
import { waitFor } from './support/wait-for.ts'

let dir: string
const servers: RunningServer[] = []
const hooks: WebhookReceiver[] = []

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'blazedb-alerts-api-'))
})
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
  await Promise.all(hooks.splice(0).map((h) => h.close()))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const ERRORS_RULE = (name: string, extra = '') => `groups:
  - name: errors
    interval: 200ms
    rules:
      - alert: ${name}
        query: logs | where severity >= 17 | stats count() as errors by service.name
        condition: errors > 0
        window: 1h
        labels: { team: payments }
        annotations: { summary: "{{ $value }} errors in {{ $labels.service_name }}" }${extra}
`

async function start(name: string, alerts: AlertsConfig): Promise<RunningServer> {
  const server = await startQuietServer(localConfig(join(dir, name), 'alerts test password', { alerts }))
  servers.push(server)
  return server
}

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(root, f)).isFile())
}

describe('rule files at start and on reload', () => {
  test('an invalid rule file stops the start with a message naming the file, rule and place', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, ERRORS_RULE('PaymentErrors').replace('stats count() as errors', 'stats count() as errors |'))
    await expect(start('bad', { ruleFiles: [file] })).rejects.toThrow(`${file}:6:72: group "errors", rule "PaymentErrors": cannot parse query: expected an operator (where, select, extend, sort, limit, stats, join), got "by" (query line 1, column 57)`)
  })

  test('blazedb serve exits with the message when a rule file is invalid', async () => {
    const file = join(dir, 'bad-process.yaml')
    writeFileSync(file, ERRORS_RULE('PaymentErrors').replace('errors > 0', 'errors >'))
    writeFileSync(join(dir, 'bad-process.json'), JSON.stringify({ alerts: { ruleFiles: [file] } }))
    await expect(startServerProcess(join(dir, 'bad-process-data'), {}, ['--config', join(dir, 'bad-process.json')])).rejects.toThrow(
      `blazedb serve exited with 1 before listening:\nblazedb: [INVALID_RULE] ${file}:7:20: group "errors", rule "PaymentErrors": cannot load rule: cannot parse condition: expected "<column> <op> <value>"`,
    )
  })

  test('POST /api/v1/admin/reload and SIGHUP read the files again; a bad file keeps the rules running', async () => {
    const file = join(dir, 'reload.yaml')
    writeFileSync(file, ERRORS_RULE('First'))
    const server = await start('reload', { ruleFiles: [file] })
    const names = async () => (await getJson(server.addresses.http, '/api/v1/rules')).groups.flatMap((g: any) => g.rules.map((r: any) => r.alert))
    expect(await names()).toEqual(['First'])

    writeFileSync(file, ERRORS_RULE('Second'))
    const reloaded = await fetch(`http://${server.addresses.http}/api/v1/admin/reload`, { method: 'POST' })
    expect(await reloaded.json()).toEqual({ status: 'reloaded', groups: 1, rules: 1 })
    expect(await names()).toEqual(['Second'])

    writeFileSync(file, ERRORS_RULE('Third', '\n        for: later'))
    const refused = await fetch(`http://${server.addresses.http}/api/v1/admin/reload`, { method: 'POST' })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as any).error).toMatchObject({ code: 'INVALID_RULE', rule: 'Third', message: `${file}:11:14: group "errors", rule "Third": cannot load rule: for must be a duration like 5m or 30s, got "later"` })
    expect(await names()).toEqual(['Second'])

    writeFileSync(file, ERRORS_RULE('Fourth'))
    process.kill(process.pid, 'SIGHUP')
    await waitFor('the SIGHUP reload', async () => (await names())[0] === 'Fourth')
  })
})

describe('access', () => {
  test('reads need scope read, changes admin; a token sees its own tenant\'s rules only', async () => {
    const file = join(dir, 'tenants.yaml')
    writeFileSync(file, ERRORS_RULE('DefaultErrors') + ERRORS_RULE('AcmeErrors').replace('groups:\n', '').replace('name: errors', 'name: acme-errors\n    tenant: acme'))
    const server = await startQuietServer({
      ...localConfig(join(dir, 'access'), 'alerts test password', { alerts: { ruleFiles: [file] } }),
      tokens: [
        { token: 'acme-read-token', tenant: 'acme', scopes: ['read'] },
        { token: 'acme-admin-token', tenant: 'acme', scopes: ['admin'] },
      ],
    })
    servers.push(server)
    const call = (method: string, path: string, token?: string) =>
      fetch(`http://${server.addresses.http}${path}`, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
    expect((await call('GET', '/api/v1/rules')).status).toBe(401)
    const rules = await call('GET', '/api/v1/rules', 'acme-read-token')
    expect(((await rules.json()) as any).groups.map((g: any) => g.name)).toEqual(['acme-errors'])
    expect((await call('POST', '/api/v1/admin/reload', 'acme-read-token')).status).toBe(403)
    expect((await call('POST', '/api/v1/silences', 'acme-read-token')).status).toBe(403)
    expect((await call('POST', '/api/v1/admin/reload', 'acme-admin-token')).status).toBe(200)
    expect((await call('GET', '/api/v1/alerts?tenant=default', 'acme-read-token')).status).toBe(403)
  })
})

describe('rule groups made through the API', () => {
  test('are checked, stored encrypted in the data directory, and come back after a restart', async () => {
    const dataDir = join(dir, 'api-groups')
    const http = (s: RunningServer) => `http://${s.addresses.http}/api/v1/rules/groups/checkout-errors`
    let server = await start('api-groups', {})
    const group = { interval: '1s', rules: [{ alert: 'CheckoutErrorsMarker', query: 'logs | where service.name = "checkout" | stats count() as n', condition: 'n > 100' }] }
    const bad = await fetch(http(server), { method: 'PUT', body: JSON.stringify({ ...group, rules: [{ ...group.rules[0], condition: 'n >' }] }) })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as any).error.message).toBe('api: group "checkout-errors", rule "CheckoutErrorsMarker": cannot load rule: cannot parse condition: expected "<column> <op> <value>" with op one of >= <= == != > <, like "p99 > 500ms", got "n >"')
    const put = await fetch(http(server), { method: 'PUT', body: JSON.stringify(group) })
    expect(put.status).toBe(200)
    const listed = await getJson(server.addresses.http, '/api/v1/rules')
    expect(listed.groups).toMatchObject([{ name: 'checkout-errors', source: 'api', interval: 1, rules: [{ alert: 'CheckoutErrorsMarker', state: 'inactive' }] }])
    // Nothing in the data directory shows the rule in clear text.
    for (const f of files(dataDir)) expect(readFileSync(join(dataDir, f)).includes('CheckoutErrorsMarker')).toBe(false)

    await server.close()
    servers.splice(servers.indexOf(server), 1)
    server = await start('api-groups', {})
    expect((await getJson(server.addresses.http, '/api/v1/rules')).groups[0].rules[0].alert).toBe('CheckoutErrorsMarker')
    expect((await fetch(http(server), { method: 'DELETE' })).status).toBe(200)
    expect((await getJson(server.addresses.http, '/api/v1/rules')).groups).toEqual([])
    expect((await fetch(http(server), { method: 'DELETE' })).status).toBe(404)
  })
})

describe('built-in receivers', () => {
  test('a silence keeps its alerts out; a receiver that times out is retried while the others are notified on time; Slack gets its payload', async () => {
    const [slow, quick, slack] = await Promise.all([startWebhookReceiver(), startWebhookReceiver(), startWebhookReceiver()])
    hooks.push(slow, quick, slack)
    const file = join(dir, 'errors.yaml')
    writeFileSync(file, ERRORS_RULE('PaymentErrors'))
    slow.hang(1)
    const server = await start('receivers', {
      ruleFiles: [file],
      externalUrl: 'http://blazedb.example',
      receivers: [
        { name: 'slow', webhooks: [{ url: slow.url, timeout: '500ms' }], attempts: 3, backoff: '200ms' },
        { name: 'quick', webhooks: [{ url: quick.url }], slack: [{ url: slack.url, channel: '#alerts' }] },
      ],
      route: { receiver: 'quick', groupBy: ['alertname'], groupWait: '100ms', groupInterval: '200ms', repeatInterval: '1h', routes: [{ receiver: 'slow', continue: true }, { receiver: 'quick' }] },
    })
    const http = server.addresses.http
    const silence = await fetch(`http://${http}/api/v1/silences`, { method: 'POST', body: JSON.stringify({ matchers: ['service_name="search"'], endsAt: new Date(Date.now() + 3600_000).toISOString(), comment: 'known' }) })
    expect(silence.status).toBe(200)
    const badSilence = await fetch(`http://${http}/api/v1/silences`, { method: 'POST', body: JSON.stringify({ matchers: ['service_name~"x"'], endsAt: 'tomorrow' }) })
    expect(badSilence.status).toBe(400)

    const sentAt = Date.now()
    await sendErrorLogs(server.addresses.otlpHttp!, 'billing', 2)
    await sendErrorLogs(server.addresses.otlpHttp!, 'search', 1)
    await waitFor('both alerts firing', async () => (await getJson(http, '/api/v1/alerts')).alerts.filter((a: any) => a.state === 'firing').length === 2)
    await waitFor('the quick receiver and Slack', () => quick.received.length === 1 && slack.received.length === 1)
    expect(slow.received).toHaveLength(0) // its first attempt is still waiting to time out
    const alerts = quick.received[0].body.alerts
    expect(alerts.map((a: any) => [a.labels.service_name, a.annotations.summary])).toEqual([['billing', '2 errors in billing']])
    expect(slack.received[0].body).toEqual({
      channel: '#alerts',
      text: '[FIRING:1] PaymentErrors',
      attachments: [
        {
          color: 'danger',
          title: '[FIRING:1] PaymentErrors',
          fallback: '[FIRING:1] PaymentErrors',
          text: `Firing since ${alerts[0].startsAt}\nsummary: 2 errors in billing\nlabels: service_name=billing, team=payments, alertname=PaymentErrors\nsource: ${alerts[0].generatorURL}`,
        },
      ],
    })
    await waitFor('the slow receiver, retried', () => slow.received.length === 1)
    expect(slow.attempts).toBe(2)
    expect(slow.received[0].at - sentAt).toBeGreaterThanOrEqual(700) // a 500 ms timeout, then a 200 ms backoff
    expect(slow.received[0].body.alerts.map((a: any) => a.labels.service_name)).toEqual(['billing'])
    expect(quick.received).toHaveLength(1)
  })
})
