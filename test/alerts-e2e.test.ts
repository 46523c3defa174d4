/**
 * Alert rules end to end with real parts: the real server (startServer, temporary data
 * directory), spans sent by the OpenTelemetry SDK, a real Alertmanager (Debian's
 * prometheus-alertmanager), a local webhook receiver and a local SMTP server. A rule on p99
 * latency per service goes pending, fires (exactly one notification per receiver), survives a
 * server restart while firing without notifying again, and resolves (exactly one more), and
 * every transition is in the tenant's logs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { RunningServer } from '../cli/serve.ts'
import { startAlertmanager, type Alertmanager } from './support/alertmanager.ts'
import { getJson, sendSpans, startQuietServer } from './support/alert-server.ts'
import { queryRows } from './support/query-client.ts'
import { localConfig } from './support/server-config.ts'
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts'
import { systemTool } from './support/system-tool.ts'
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts'
import { waitFor } from './support/wait-for.ts'

const alertmanagerProgram = systemTool('prometheus-alertmanager', ['/usr/bin/prometheus-alertmanager', 'prometheus-alertmanager', 'alertmanager'], 'apt-get install -y prometheus-alertmanager')

const RULES = `groups:
  - name: latency
    interval: 300ms
    rules:
      - alert: HighLatency
        query: spans | where kind = "server" | stats p99(duration) as p99 by service.name | extend p99 / 1ms as p99_ms
        condition: p99_ms > 500
        window: 10s
        for: 900ms
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.service_name }} p99 is {{ $value }} ms"
          link: "{{ $link }}"
`

let dir: string
let hook: WebhookReceiver
let smtp: SmtpSink
let am: Alertmanager | undefined
let server: RunningServer | undefined
let feeding = true
let feeder: Promise<void> | undefined
// The window outlasts a restart (about a second) with room to spare on a loaded machine.

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'blazedb-alerts-e2e-'))
  writeFileSync(join(dir, 'rules.yaml'), RULES)
  hook = await startWebhookReceiver()
  smtp = await startSmtpSink()
  if (alertmanagerProgram !== undefined) am = await startAlertmanager(alertmanagerProgram)
})

afterAll(async () => {
  feeding = false
  await feeder
  await server?.close()
  await hook?.close()
  await smtp?.close()
  await am?.stop()
  rmSync(dir, { recursive: true, force: true })
})

function config() {
  return localConfig(join(dir, 'data'), 'alerts test password', {
    alerts: {
      ruleFiles: [join(dir, 'rules.yaml')],
      externalUrl: 'http://blazedb.example:4319',
      alertmanagers: am === undefined ? [] : [{ url: am.url }],
      receivers: [{ name: 'team', webhooks: [{ url: `${hook.url}/hook` }], email: [{ to: 'oncall@example.com', from: 'blazedb@example.com', smarthost: smtp.address }] }],
      route: { receiver: 'team', groupBy: ['alertname', 'service_name'], groupWait: '200ms', groupInterval: '300ms', repeatInterval: '1h' },
    },
  })
}

/** The server's current alert for `service`, if any. */
async function alertOf(service: string): Promise<any> {
  const { alerts } = await getJson(server!.addresses.http, '/api/v1/alerts')
  return alerts.find((a: any) => a.labels.service_name === service)
}

async function ruleStatus(): Promise<any> {
  const { groups } = await getJson(server!.addresses.http, '/api/v1/rules')
  return groups[0].rules[0]
}

/** Waits until the rule was evaluated `n` more times. */
async function evaluations(n: number): Promise<void> {
  const seen = new Set<string>()
  await waitFor(`${n} evaluations`, async () => {
    seen.add((await ruleStatus()).lastEvaluation)
    return seen.size > n
  })
}

describe('an alert rule end to end', () => {
  test('pending, firing with one notification, a restart, resolved with one notification', async () => {
    server = await startQuietServer(config())
    // checkout is slow (600 ms), cart is fast: one rule, two groups, one alert.
    feeder = (async () => {
      while (feeding) {
        await sendSpans(server!.addresses.otlpHttp!, 'checkout', 600).catch(() => {})
        await sendSpans(server!.addresses.otlpHttp!, 'cart', 20).catch(() => {})
        await new Promise((r) => setTimeout(r, 150))
      }
    })()

    await waitFor('checkout pending', async () => (await alertOf('checkout'))?.state === 'pending')
    expect(hook.received).toHaveLength(0)
    await waitFor('checkout firing', async () => (await alertOf('checkout'))?.state === 'firing')
    const firing = await alertOf('checkout')
    expect(Date.parse(firing.firedAt) - Date.parse(firing.activeAt)).toBeGreaterThanOrEqual(900)
    expect(await alertOf('cart')).toBeUndefined()
    expect((await ruleStatus()).state).toBe('firing')

    await waitFor('the webhook notification', () => hook.received.length === 1)
    await waitFor('the email', () => smtp.mails.length === 1)
    const link = `http://blazedb.example:4319/explore?${new URLSearchParams({ q: 'spans | where kind = "server" | stats p99(duration) as p99 by service.name | extend p99 / 1ms as p99_ms', tenant: 'default' })}`
    const labels = { alertname: 'HighLatency', service_name: 'checkout', severity: 'page' }
    const annotations = { summary: 'checkout p99 is 600 ms', link }
    expect(hook.received[0].path).toBe('/hook')
    expect(hook.received[0].body).toEqual({
      version: '4',
      groupKey: 'route:{"alertname":"HighLatency","service_name":"checkout"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'team',
      groupLabels: { alertname: 'HighLatency', service_name: 'checkout' },
      commonLabels: labels,
      commonAnnotations: annotations,
      externalURL: 'http://blazedb.example:4319',
      alerts: [{ status: 'firing', labels, annotations, startsAt: firing.firedAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: link, fingerprint: firing.fingerprint }],
    })
    const mail = smtp.mails[0]
    expect(mail.from).toBe('blazedb@example.com')
    expect(mail.to).toEqual(['oncall@example.com'])
    expect(mail.headers.subject).toBe('[FIRING:1] HighLatency (checkout)')
    expect(mail.text).toBe(
      `Firing since ${firing.firedAt}\nsummary: checkout p99 is 600 ms\nlink: ${link}\nlabels: service_name=checkout, severity=page, alertname=HighLatency\nsource: ${link}\n`,
    )
    if (am !== undefined) {
      await waitFor('the alert in Alertmanager', async () => {
        const alerts = (await (await fetch(`${am!.url}/api/v2/alerts`)).json()) as any[]
        return alerts.some((a) => a.labels.alertname === 'HighLatency' && a.labels.service_name === 'checkout' && a.status.state === 'active' && a.generatorURL === link)
      })
    }

    // A restart while firing: the state comes back, nobody is notified again.
    await server.close()
    server = await startQuietServer(config())
    const restored = await alertOf('checkout')
    expect(restored).toMatchObject({ state: 'firing', activeAt: firing.activeAt, firedAt: firing.firedAt })
    await evaluations(5)
    expect((await alertOf('checkout')).state).toBe('firing')
    expect(hook.received).toHaveLength(1)
    expect(smtp.mails).toHaveLength(1)

    // The slow spans stop: once the window holds none, the alert resolves.
    feeding = false
    await feeder
    await waitFor('checkout resolved', async () => (await alertOf('checkout')) === undefined)
    const resolved = (await ruleStatus()).alerts.find((a: any) => a.labels.service_name === 'checkout')
    expect(resolved.state).toBe('resolved')
    await waitFor('the resolved notification', () => hook.received.length === 2)
    await waitFor('the resolved email', () => smtp.mails.length === 2)
    expect(hook.received[1].body).toMatchObject({ status: 'resolved', alerts: [{ status: 'resolved', labels, startsAt: firing.firedAt, endsAt: resolved.resolvedAt }] })
    expect(smtp.mails[1].headers.subject).toBe('[RESOLVED] HighLatency (checkout)')
    await evaluations(4)
    expect(hook.received).toHaveLength(2)
    expect(smtp.mails).toHaveLength(2)
    if (am !== undefined) {
      await waitFor('the alert resolved in Alertmanager', async () => {
        const alerts = (await (await fetch(`${am!.url}/api/v2/alerts`)).json()) as any[]
        return !alerts.some((a) => a.labels.alertname === 'HighLatency')
      })
    }

    // History: every transition is a log record of the tenant, in order, none from the restart.
    const rows = await queryRows(
      server.addresses.http,
      'logs | where service.name = "blazedb-alerts" and alert.rule = "HighLatency" | sort time | select alert.label.service_name, alert.previous_state, alert.state, alert.group',
    )
    expect(rows).toEqual([
      ['checkout', 'inactive', 'pending', 'latency'],
      ['checkout', 'pending', 'firing', 'latency'],
      ['checkout', 'firing', 'resolved', 'latency'],
    ])
  })
})
