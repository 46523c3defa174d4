import { describe, expect, test } from 'vitest'
import { resolveAlertsConfig, type AlertsConfig } from './alerts-config.ts'

const fails = (config: unknown, message: string) => expect(() => resolveAlertsConfig(config as AlertsConfig, 'http://x')).toThrow(message)

describe('alerts configuration', () => {
  test('defaults: Alertmanager-like intervals, inherited by child routes', () => {
    const c = resolveAlertsConfig({ receivers: [{ name: 'a', webhooks: [{ url: 'http://h' }] }, { name: 'b' }], route: { receiver: 'a', groupWait: '1s', routes: [{ receiver: 'b', matchers: ['x=~"y.*"'] }] } }, 'http://127.0.0.1:4319/')
    expect(c.externalUrl).toBe('http://127.0.0.1:4319')
    expect(c.resendDelayMs).toBe(60_000)
    expect(c.route).toMatchObject({ receiver: 'a', groupBy: ['alertname'], groupWaitMs: 1000, groupIntervalMs: 300_000, repeatIntervalMs: 14_400_000 })
    expect(c.route!.routes[0]).toMatchObject({ receiver: 'b', groupWaitMs: 1000, groupBy: ['alertname'], continue: false })
    expect(resolveAlertsConfig(undefined, 'http://x').route).toBeUndefined()
  })

  test('mistakes name the field', () => {
    fails({ rulefiles: [] }, 'invalid configuration: alerts.rulefiles: unknown field; known: ruleFiles, externalUrl, resendDelay, alertmanagers, receivers, route')
    fails({ alertmanagers: [{ url: 'localhost:9093' }] }, 'invalid configuration: alerts.alertmanagers[0].url: expected an http:// or https:// URL, got "localhost:9093"')
    fails({ receivers: [{ name: 'a' }, { name: 'a' }] }, 'invalid configuration: alerts.receivers[1].name: "a" is used by another receiver')
    fails({ receivers: [{ name: 'a', email: [{ to: 'x@y', from: 'z@y', smarthost: 'smtp' }] }] }, 'invalid configuration: alerts.receivers[0].email[0].smarthost: expected host:port, got "smtp"')
    fails({ receivers: [{ name: 'a' }], route: { receiver: 'b' } }, 'invalid configuration: alerts.route.receiver: names no receiver: "b"; receivers: a')
    fails({ receivers: [{ name: 'a' }], route: { routes: [{ matchers: ['x~y'] }] } }, 'invalid configuration: alerts.route.routes[0].matchers[0]: expected name="value", name!="value", name=~"regex" or name!~"regex", got "x~y"')
    fails({ receivers: [{ name: 'a' }], route: { groupWait: 'soon' } }, 'invalid configuration: alerts.route.groupWait: expected a duration like 30s or 5m, got "soon"')
    fails({ receivers: [{ name: 'a' }, { name: 'b' }] }, 'invalid configuration: alerts.route.receiver: must name the default receiver')
  })
})
