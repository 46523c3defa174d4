/**
 * @module alerts/notification
 * What receivers are told: a group of alerts in Alertmanager's webhook shape (version 4,
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), which the webhook
 * receiver sends as it is and the Slack and email receivers turn into text.
 */

/** One alert as Alertmanager's API and webhooks carry it. Times RFC 3339. */
export interface WireAlert {
  status: 'firing' | 'resolved'
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  /** Alertmanager's zero time for a firing alert in webhooks. */
  endsAt: string
  generatorURL: string
  fingerprint: string
}

export interface Notification {
  version: '4'
  groupKey: string
  truncatedAlerts: number
  status: 'firing' | 'resolved'
  receiver: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  alerts: WireAlert[]
}

/** Go's zero time, which Alertmanager puts in endsAt of firing alerts. */
export const ZERO_TIME = '0001-01-01T00:00:00Z'

/** One place a notification goes: a webhook URL, a Slack webhook, a mail address. */
export interface Integration {
  /** Stable id within its receiver, e.g. `webhook[0]`: what was sent is recorded under it. */
  readonly id: string
  readonly timeoutMs: number
  send(notification: Notification, signal: AbortSignal): Promise<void>
}

/** Labels every alert of the list has with the same value. */
export function commonOf(maps: readonly Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {}
  const out: Record<string, string> = { ...maps[0] }
  for (const m of maps.slice(1)) for (const k of Object.keys(out)) if (m[k] !== out[k]) delete out[k]
  return out
}

/** `[FIRING:2] HighLatency (checkout)`: the title Alertmanager's default templates give. */
export function titleOf(n: Notification): string {
  const firing = n.alerts.filter((a) => a.status === 'firing').length
  const count = n.status === 'firing' ? `:${firing}` : ''
  const extra = Object.entries(n.groupLabels).filter(([k]) => k !== 'alertname').map(([, v]) => v)
  return `[${n.status.toUpperCase()}${count}] ${n.commonLabels.alertname ?? n.groupLabels.alertname ?? ''}${extra.length > 0 ? ` (${extra.join(' ')})` : ''}`.trimEnd()
}

/** Plain-text body: one paragraph per alert with its labels and annotations. */
export function textOf(n: Notification): string {
  return n.alerts
    .map((a) => {
      const lines = [`${a.status === 'firing' ? 'Firing' : 'Resolved'} since ${a.status === 'firing' ? a.startsAt : a.endsAt}`]
      for (const [k, v] of Object.entries(a.annotations)) lines.push(`${k}: ${v}`)
      lines.push(`labels: ${Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', ')}`)
      if (a.generatorURL !== '') lines.push(`source: ${a.generatorURL}`)
      return lines.join('\n')
    })
    .join('\n\n')
}
