/**
 * @module alerts/receiver-webhook
 * Webhook and Slack-compatible incoming webhook receivers: one JSON POST per notification.
 * A non-2xx answer is a failure (retried by the dispatcher).
 */
import { AlertError } from './errors.ts'
import { titleOf, textOf, type Integration, type Notification } from './notification.ts'

async function postJson(url: string, body: unknown, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal })
  const text = await response.text().catch(() => '')
  if (!response.ok) throw new AlertError('SEND_FAILED', `cannot notify ${url}: HTTP ${response.status} ${text.slice(0, 200)}`)
}

/** Alertmanager's webhook format, as it is. */
export function webhookIntegration(id: string, url: string, timeoutMs: number): Integration {
  return { id, timeoutMs, send: (n, signal) => postJson(url, n, signal) }
}

export interface SlackOptions {
  url: string
  channel?: string
  username?: string
}

/** Slack's incoming webhook payload (also taken by Mattermost, Rocket.Chat and others). */
export function slackPayload(n: Notification, o: Omit<SlackOptions, 'url'>): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    text: titleOf(n),
    attachments: [{ color: n.status === 'firing' ? 'danger' : 'good', title: titleOf(n), text: textOf(n), fallback: titleOf(n) }],
  }
  if (o.channel !== undefined) payload.channel = o.channel
  if (o.username !== undefined) payload.username = o.username
  return payload
}

export function slackIntegration(id: string, o: SlackOptions, timeoutMs: number): Integration {
  return { id, timeoutMs, send: (n, signal) => postJson(o.url, slackPayload(n, o), signal) }
}
