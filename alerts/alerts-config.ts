/**
 * @module alerts/alerts-config
 * What users write under `alerts` in the server's configuration: rule files, where links point,
 * Alertmanagers to send to, and the built-in receivers with their routing tree (Alertmanager's
 * `route` and `receivers`, in camelCase). Checked at start: a bad value stops the server with a
 * message naming the field.
 */
import { parseDurationMs } from './duration.ts'
import { AlertError } from './errors.ts'
import { DEFAULT_BACKOFF_MS, DEFAULT_GROUP_INTERVAL_MS, DEFAULT_GROUP_WAIT_MS, DEFAULT_REPEAT_INTERVAL_MS, DEFAULT_RESEND_DELAY_MS, DEFAULT_SEND_ATTEMPTS, DEFAULT_SEND_TIMEOUT_MS } from './limits.ts'
import { parseMatcher, type Matcher } from './matchers.ts'
import type { Integration } from './notification.ts'
import { emailIntegration, type EmailOptions } from './receiver-email.ts'
import { slackIntegration, webhookIntegration, type SlackOptions } from './receiver-webhook.ts'

export interface AlertsConfig {
  /** Rule files (YAML or JSON), read at start and on reload. */
  ruleFiles?: string[]
  /** Base URL of this server's web UI, for links in alerts; default `http://<httpAddr>`. */
  externalUrl?: string
  /** How often firing alerts are sent again to Alertmanager, e.g. "1m". */
  resendDelay?: string
  alertmanagers?: { url: string; timeout?: string }[]
  receivers?: ReceiverConfig[]
  route?: RouteConfig
}

export interface ReceiverConfig {
  name: string
  webhooks?: { url: string; timeout?: string }[]
  slack?: (SlackOptions & { timeout?: string })[]
  email?: (EmailOptions & { timeout?: string })[]
  /** Delivery attempts per notification, and the first retry delay (doubled each time). */
  attempts?: number
  backoff?: string
}

export interface RouteConfig {
  receiver?: string
  matchers?: string[]
  /** Labels that split alerts into notification groups; `["..."]` groups by every label. */
  groupBy?: string[]
  groupWait?: string
  groupInterval?: string
  repeatInterval?: string
  /** Go on matching sibling routes after this one matched. */
  continue?: boolean
  routes?: RouteConfig[]
}

/** A route with its parent's settings filled in. */
export interface Route {
  readonly id: string
  readonly receiver: string
  readonly matchers: readonly Matcher[]
  readonly groupBy: readonly string[] | 'all'
  readonly groupWaitMs: number
  readonly groupIntervalMs: number
  readonly repeatIntervalMs: number
  readonly continue: boolean
  readonly routes: readonly Route[]
}

export interface Receiver {
  readonly name: string
  readonly integrations: readonly Integration[]
  readonly attempts: number
  readonly backoffMs: number
}

export interface NotifyConfig {
  readonly externalUrl: string
  readonly resendDelayMs: number
  readonly alertmanagers: readonly { url: string; timeoutMs: number }[]
  readonly receivers: ReadonlyMap<string, Receiver>
  /** Undefined when no receiver is configured. */
  readonly route?: Route
}

const fail = (field: string, message: string): never => {
  throw new AlertError('INVALID_CONFIG', `invalid configuration: alerts${field === '' ? '' : `.${field}`}: ${message}`)
}

/** Refuses fields the configuration does not know (a typo would otherwise be ignored silently). */
function knownFields(field: string, value: unknown, keys: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'must be an object')
  for (const key of Object.keys(value as object)) if (!keys.includes(key)) fail(`${field === '' ? '' : `${field}.`}${key}`, `unknown field; known: ${keys.join(', ')}`)
}

function duration(field: string, text: unknown, fallback: number): number {
  if (text === undefined) return fallback
  const ms = parseDurationMs(text)
  return ms === undefined ? fail(field, `expected a duration like 30s or 5m, got ${JSON.stringify(text)}`) : ms
}

function url(field: string, text: unknown): string {
  if (typeof text !== 'string' || !/^https?:\/\//.test(text)) return fail(field, `expected an http:// or https:// URL, got ${JSON.stringify(text)}`)
  return text
}

/** Checks `config` and builds the receivers; `defaultExternalUrl` is used when it names none. */
export function resolveAlertsConfig(config: AlertsConfig | undefined, defaultExternalUrl: string): NotifyConfig {
  const c = config ?? {}
  knownFields('', c, ['ruleFiles', 'externalUrl', 'resendDelay', 'alertmanagers', 'receivers', 'route'])
  if (c.ruleFiles !== undefined && (!Array.isArray(c.ruleFiles) || c.ruleFiles.some((f) => typeof f !== 'string'))) fail('ruleFiles', 'must be a list of file paths')
  const externalUrl = (c.externalUrl === undefined ? defaultExternalUrl : url('externalUrl', c.externalUrl)).replace(/\/+$/, '')
  const alertmanagers = (c.alertmanagers ?? []).map((a, i) => ({
    url: url(`alertmanagers[${i}].url`, a?.url).replace(/\/+$/, ''),
    timeoutMs: duration(`alertmanagers[${i}].timeout`, a?.timeout, DEFAULT_SEND_TIMEOUT_MS),
  }))
  const receivers = new Map<string, Receiver>()
  ;(c.receivers ?? []).forEach((r, i) => {
    const at = `receivers[${i}]`
    knownFields(at, r, ['name', 'webhooks', 'slack', 'email', 'attempts', 'backoff'])
    if (typeof r?.name !== 'string' || r.name === '') fail(`${at}.name`, 'must be a non-empty name')
    if (receivers.has(r.name)) fail(`${at}.name`, `${JSON.stringify(r.name)} is used by another receiver`)
    const integrations: Integration[] = []
    ;(r.webhooks ?? []).forEach((w, j) => {
      integrations.push(webhookIntegration(`webhook[${j}]`, url(`${at}.webhooks[${j}].url`, w?.url), duration(`${at}.webhooks[${j}].timeout`, w?.timeout, DEFAULT_SEND_TIMEOUT_MS)))
    })
    ;(r.slack ?? []).forEach((s, j) => {
      url(`${at}.slack[${j}].url`, s?.url)
      integrations.push(slackIntegration(`slack[${j}]`, s, duration(`${at}.slack[${j}].timeout`, s.timeout, DEFAULT_SEND_TIMEOUT_MS)))
    })
    ;(r.email ?? []).forEach((e, j) => {
      for (const field of ['to', 'from', 'smarthost'] as const) if (typeof e?.[field] !== 'string' || e[field] === '') fail(`${at}.email[${j}].${field}`, 'must be set')
      if (!/^[^:]+:\d+$/.test(e.smarthost)) fail(`${at}.email[${j}].smarthost`, `expected host:port, got ${JSON.stringify(e.smarthost)}`)
      integrations.push(emailIntegration(`email[${j}]`, e, duration(`${at}.email[${j}].timeout`, e.timeout, DEFAULT_SEND_TIMEOUT_MS)))
    })
    const attempts = r.attempts ?? DEFAULT_SEND_ATTEMPTS
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 100) fail(`${at}.attempts`, `must be an integer from 1 to 100, got ${JSON.stringify(r.attempts)}`)
    receivers.set(r.name, { name: r.name, integrations, attempts, backoffMs: duration(`${at}.backoff`, r.backoff, DEFAULT_BACKOFF_MS) })
  })
  let route: Route | undefined
  if (c.route !== undefined || receivers.size > 0) {
    const root = c.route ?? {}
    if (root.receiver === undefined && receivers.size !== 1) fail('route.receiver', 'must name the default receiver')
    route = resolveRoute(root, 'route', undefined, receivers, receivers.keys().next().value)
  }
  return { externalUrl, resendDelayMs: duration('resendDelay', c.resendDelay, DEFAULT_RESEND_DELAY_MS), alertmanagers, receivers, route }
}

function resolveRoute(r: RouteConfig, at: string, parent: Route | undefined, receivers: ReadonlyMap<string, Receiver>, fallback?: string): Route {
  knownFields(at, r, ['receiver', 'matchers', 'groupBy', 'groupWait', 'groupInterval', 'repeatInterval', 'continue', 'routes'])
  const receiver = r.receiver ?? parent?.receiver ?? fallback
  if (receiver === undefined || !receivers.has(receiver)) fail(`${at}.receiver`, `names no receiver: ${JSON.stringify(receiver)}; receivers: ${[...receivers.keys()].join(', ')}`)
  const matchers = (r.matchers ?? []).map((m, i) => {
    const parsed = parseMatcher(m)
    return typeof parsed === 'string' ? fail(`${at}.matchers[${i}]`, parsed) : parsed
  })
  if (r.groupBy !== undefined && (!Array.isArray(r.groupBy) || r.groupBy.some((g) => typeof g !== 'string'))) fail(`${at}.groupBy`, 'must be a list of label names')
  const groupBy = r.groupBy === undefined ? (parent?.groupBy ?? ['alertname']) : r.groupBy.includes('...') ? 'all' : r.groupBy
  const route: Route = {
    id: at,
    receiver: receiver as string,
    matchers,
    groupBy,
    groupWaitMs: duration(`${at}.groupWait`, r.groupWait, parent?.groupWaitMs ?? DEFAULT_GROUP_WAIT_MS),
    groupIntervalMs: duration(`${at}.groupInterval`, r.groupInterval, parent?.groupIntervalMs ?? DEFAULT_GROUP_INTERVAL_MS),
    repeatIntervalMs: duration(`${at}.repeatInterval`, r.repeatInterval, parent?.repeatIntervalMs ?? DEFAULT_REPEAT_INTERVAL_MS),
    continue: r.continue === true,
    routes: [],
  }
  return { ...route, routes: (r.routes ?? []).map((child, i) => resolveRoute(child, `${at}.routes[${i}]`, route, receivers)) }
}
