/**
 * The built-in dispatcher against real local webhook receivers: grouping, exactly one
 * notification per change, no repeat after a restart, silences, and a receiver that times out
 * retried while another is notified on time.
 */
import { afterEach, describe, expect, test } from 'vitest'
import { startWebhookReceiver, type WebhookReceiver } from '../test/support/webhook-receiver.ts'
import { waitFor } from '../test/support/wait-for.ts'
import { resolveAlertsConfig, type AlertsConfig } from './alerts-config.ts'
import { Dispatcher, type DispatchAlert } from './dispatcher.ts'
import type { AlertDocuments } from './documents.ts'
import { Silences } from './silences.ts'
import { MemoryDocuments } from '../storage/index.ts'

function memoryDocs(): AlertDocuments {
  return new MemoryDocuments()
}

const receivers: WebhookReceiver[] = []
const dispatchers: Dispatcher[] = []
afterEach(async () => {
  dispatchers.splice(0).forEach((d) => d.stop())
  await Promise.all(receivers.splice(0).map((r) => r.close()))
})

async function setup(config: (urls: string[]) => AlertsConfig, n = 1, docs = memoryDocs()) {
  const hooks = await Promise.all(Array.from({ length: n }, () => startWebhookReceiver()))
  receivers.push(...hooks)
  const silences = new Silences(docs)
  const make = () => {
    const d = new Dispatcher({ config: resolveAlertsConfig(config(hooks.map((h) => h.url)), 'http://blazedb.test'), docs, silences: new Silences(docs) })
    dispatchers.push(d)
    return d
  }
  return { hooks, docs, silences, make }
}

const alert = (service: string, status: 'firing' | 'resolved' = 'firing'): DispatchAlert => ({
  fingerprint: `fp-${service}`,
  labels: { alertname: 'HighLatency', service_name: service, severity: 'page' },
  annotations: { summary: `${service} is slow` },
  status,
  startsAt: Date.parse('2026-12-07T04:00:00Z'),
  endsAt: status === 'resolved' ? Date.parse('2026-12-07T04:05:00Z') : undefined,
  generatorURL: 'http://blazedb.test/explore?query=x',
})

const fast = { groupWait: '50ms', groupInterval: '100ms', repeatInterval: '1h' }

describe('dispatcher', () => {
  test('one notification per group in the webhook format, none again while nothing changes, one when resolved, none after a restart', async () => {
    const { hooks, docs, make } = await setup(([url]) => ({ receivers: [{ name: 'team', webhooks: [{ url }] }], route: { receiver: 'team', ...fast } }))
    const [hook] = hooks
    let d = make()
    await d.update('default', [alert('checkout'), alert('cart')])
    await waitFor('the firing notification', () => hook.received.length === 1)
    expect(hook.received[0].body).toEqual({
      version: '4',
      groupKey: 'route:{"alertname":"HighLatency"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'team',
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency', severity: 'page' },
      commonAnnotations: {},
      externalURL: 'http://blazedb.test',
      alerts: ['checkout', 'cart'].map((service) => ({
        status: 'firing',
        labels: { alertname: 'HighLatency', service_name: service, severity: 'page' },
        annotations: { summary: `${service} is slow` },
        startsAt: '2026-12-07T04:00:00.000Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://blazedb.test/explore?query=x',
        fingerprint: `fp-${service}`,
      })),
    })
    // A restart: the new dispatcher reads what was sent and stays quiet.
    await waitFor('the record of what was sent', async () => (await docs.list('default', 'alert-notify')).length === 1)
    d.stop()
    d = make()
    await d.update('default', [alert('checkout'), alert('cart')])
    const restarted = d
    await waitFor('several group checks after the restart', () => restarted.flushes >= 3)
    expect(hook.received.length).toBe(1)
    await d.update('default', [alert('checkout', 'resolved'), alert('cart')])
    await waitFor('the resolved notification', () => hook.received.length === 2)
    expect(hook.received[1].body.status).toBe('firing')
    expect(hook.received[1].body.alerts.map((a: any) => [a.labels.service_name, a.status, a.endsAt])).toEqual([
      ['cart', 'firing', '0001-01-01T00:00:00Z'],
      ['checkout', 'resolved', '2026-12-07T04:05:00.000Z'],
    ])
  })

  test('routes by labels with continue, and a silence keeps an alert out', async () => {
    const { hooks, docs, make } = await setup(([a, b]) => ({
      receivers: [
        { name: 'all', webhooks: [{ url: a }] },
        { name: 'pager', webhooks: [{ url: b }] },
      ],
      route: { receiver: 'all', groupBy: ['service_name'], ...fast, routes: [{ matchers: ['service_name=~"check.*"'], receiver: 'pager', continue: true }, { receiver: 'all' }] },
    }), 2)
    const silences = new Silences(docs)
    await silences.create('default', { matchers: ['service_name="cart"'], endsAt: new Date(Date.now() + 3600_000).toISOString() }, Date.now())
    const d = make()
    await d.update('default', [alert('checkout'), alert('cart'), alert('search')])
    await waitFor('pager and all notified', () => hooks[0].received.length === 2 && hooks[1].received.length === 1)
    expect(hooks[1].received[0].body.groupLabels).toEqual({ service_name: 'checkout' })
    expect(hooks[0].received.map((r) => r.body.groupLabels.service_name).sort()).toEqual(['checkout', 'search'])
  })

  test('a receiver that times out is retried with backoff while the other is notified on time', async () => {
    const { hooks, make } = await setup(([slow, quick]) => ({
      receivers: [
        { name: 'slow', webhooks: [{ url: slow, timeout: '300ms' }], attempts: 3, backoff: '100ms' },
        { name: 'quick', webhooks: [{ url: quick }] },
      ],
      route: { receiver: 'slow', ...fast, routes: [{ receiver: 'slow', continue: true }, { receiver: 'quick' }] },
    }), 2)
    const [slow, quick] = hooks
    slow.hang(1)
    const started = Date.now()
    const d = make()
    await d.update('default', [alert('checkout')])
    await waitFor('the quick receiver', () => quick.received.length === 1)
    expect(slow.received.length).toBe(0) // still waiting for its first attempt to time out
    await waitFor('the slow receiver, on its second attempt', () => slow.received.length === 1)
    expect(slow.attempts).toBe(2)
    expect(slow.received[0].at - started).toBeGreaterThanOrEqual(400) // timeout + backoff
    expect(quick.received[0].at).toBeLessThan(slow.received[0].at)
  })
})
