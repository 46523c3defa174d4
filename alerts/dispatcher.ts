/**
 * @module alerts/dispatcher
 * The built-in notification pipeline, modelled on Alertmanager's dispatcher: each alert is
 * routed by its labels to receivers, collected into groups by `groupBy` labels, and a group is
 * notified `groupWait` after it appears, then checked every `groupInterval`: it is sent again
 * when its firing alerts changed or one resolved, or after `repeatInterval`. Silenced alerts
 * are left out. What each integration was last sent is kept in the document store, so a
 * restart does not notify again.
 *
 * Concurrency: every integration of every group delivers on its own promise, with its own
 * timeout and retries (exponential backoff), so a slow or failing receiver never holds up
 * another; while a delivery is under way, that integration of that group is skipped.
 */
import { createHash } from 'node:crypto'
import type { NotifyConfig, Receiver, Route } from './alerts-config.ts'
import { NOTIFY_COLLECTION, type AlertDocuments } from './documents.ts'
import { MAX_BACKOFF_MS } from './limits.ts'
import { matches } from './matchers.ts'
import { commonOf, ZERO_TIME, type Integration, type Notification, type WireAlert } from './notification.ts'
import type { Silences } from './silences.ts'

/** An alert as the dispatcher gets it from the rules. Times epoch ms. */
export interface DispatchAlert {
  fingerprint: string
  labels: Record<string, string>
  annotations: Record<string, string>
  status: 'firing' | 'resolved'
  startsAt: number
  endsAt?: number
  generatorURL: string
}

/** What one integration of one group was last sent (persisted). */
interface Sent {
  firing: string[]
  at: number
}

interface Group {
  readonly key: string
  readonly docId: string
  readonly tenant: string
  readonly route: Route
  readonly receiver: Receiver
  readonly groupLabels: Record<string, string>
  readonly alerts: Map<string, DispatchAlert>
  sent: Record<string, Sent>
  readonly inflight: Set<string>
  timer?: NodeJS.Timeout
}

export interface DispatcherOptions {
  config: NotifyConfig
  docs: AlertDocuments
  silences: Silences
  now?: () => number
  /** Where delivery failures are reported (one line each). */
  log?: (line: string) => void
}

export class Dispatcher {
  private readonly o: Required<DispatcherOptions>
  private readonly groups = new Map<string, Group>()
  private readonly opening = new Map<string, Promise<Group>>()
  private readonly stopping = new AbortController()
  /** Group checks done so far (tests wait on it instead of sleeping). */
  flushes = 0

  constructor(options: DispatcherOptions) {
    this.o = { now: Date.now, log: () => {}, ...options }
  }

  /** Hands over the firing and resolved alerts of one rule after an evaluation. */
  async update(tenant: string, alerts: readonly DispatchAlert[]): Promise<void> {
    const root = this.o.config.route
    if (root === undefined || this.stopping.signal.aborted) return
    await this.o.silences.load(tenant)
    for (const alert of alerts) {
      for (const route of matchRoutes(root, alert.labels)) {
        const groupLabels = groupLabelsOf(route, alert.labels)
        const key = JSON.stringify([tenant, route.id, groupLabels])
        const existing = this.groups.get(key)
        const group = existing ?? (await this.open(key, tenant, route, groupLabels))
        // A resolution is told only to groups that hold the alert or sent it as firing.
        const known = group.alerts.has(alert.fingerprint) || Object.values(group.sent).some((s) => s.firing.includes(alert.fingerprint))
        if (alert.status === 'resolved' && !known) {
          if (existing === undefined && group.alerts.size === 0) this.drop(group)
          continue
        }
        group.alerts.set(alert.fingerprint, alert)
      }
    }
  }

  private open(key: string, tenant: string, route: Route, groupLabels: Record<string, string>): Promise<Group> {
    const known = this.groups.get(key)
    if (known !== undefined) return Promise.resolve(known)
    let opening = this.opening.get(key)
    if (opening === undefined) {
      opening = (async () => {
        const docId = `${route.id}/${createHash('sha256').update(JSON.stringify(groupLabels)).digest('hex').slice(0, 32)}`
        const stored = await this.o.docs.get<{ sent: Record<string, Sent> }>(tenant, NOTIFY_COLLECTION, docId)
        const group: Group = { key, docId, tenant, route, receiver: this.o.config.receivers.get(route.receiver)!, groupLabels, alerts: new Map(), sent: stored?.sent ?? {}, inflight: new Set() }
        this.groups.set(key, group)
        this.opening.delete(key)
        this.schedule(group, route.groupWaitMs)
        return group
      })()
      this.opening.set(key, opening)
    }
    return opening
  }

  private schedule(group: Group, ms: number): void {
    if (this.stopping.signal.aborted) return
    group.timer = setTimeout(() => this.flush(group), ms)
    group.timer.unref?.()
  }

  private flush(group: Group): void {
    this.flushes++
    const now = this.o.now()
    const active = [...group.alerts.values()].filter((a) => !this.o.silences.silenced(group.tenant, a.labels, now))
    const firing = active.filter((a) => a.status === 'firing')
    const firingSet = firing.map((a) => a.fingerprint).sort()
    for (const integration of group.receiver.integrations) {
      if (group.inflight.has(integration.id)) continue
      const before = group.sent[integration.id] ?? { firing: [], at: 0 }
      const resolved = active.filter((a) => a.status === 'resolved' && before.firing.includes(a.fingerprint))
      const changed = firingSet.join() !== before.firing.join()
      const due = firing.length > 0 && now - before.at >= group.route.repeatIntervalMs
      if (!changed && !due) continue
      if (firing.length === 0 && resolved.length === 0) {
        // Only silenced or unsent alerts changed: nothing to tell, remember the new set.
        group.sent[integration.id] = { firing: firingSet, at: before.at }
        void this.persist(group)
        continue
      }
      const notification = this.notification(group, [...firing, ...resolved])
      void this.deliver(group, integration, notification, { firing: firingSet, at: now })
    }
    this.tidy(group)
  }

  /** Drops resolved alerts no integration still has to hear of; drops an empty group. */
  private tidy(group: Group): void {
    for (const a of [...group.alerts.values()]) {
      if (a.status !== 'resolved') continue
      const owed = group.receiver.integrations.some((i) => group.inflight.has(i.id) || (group.sent[i.id]?.firing ?? []).includes(a.fingerprint))
      if (!owed) group.alerts.delete(a.fingerprint)
    }
    if (group.alerts.size === 0 && group.inflight.size === 0) {
      this.drop(group)
      void this.o.docs.delete(group.tenant, NOTIFY_COLLECTION, group.docId).catch((e) => this.o.log(`alerts: cannot forget notification group: ${(e as Error).message}`))
      return
    }
    this.schedule(group, group.route.groupIntervalMs)
  }

  private drop(group: Group): void {
    clearTimeout(group.timer)
    this.groups.delete(group.key)
  }

  private async deliver(group: Group, integration: Integration, n: Notification, sent: Sent): Promise<void> {
    group.inflight.add(integration.id)
    const { attempts, backoffMs } = group.receiver
    try {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        try {
          const signal = AbortSignal.any([AbortSignal.timeout(integration.timeoutMs), this.stopping.signal])
          await integration.send(n, signal)
          group.sent[integration.id] = sent
          await this.persist(group)
          return
        } catch (error) {
          if (this.stopping.signal.aborted) return
          this.o.log(`alerts: cannot notify receiver ${group.receiver.name} ${integration.id} (attempt ${attempt} of ${attempts}): ${(error as Error).message}`)
          if (attempt < attempts) await sleep(Math.min(backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS), this.stopping.signal)
        }
      }
    } finally {
      group.inflight.delete(integration.id)
    }
  }

  private async persist(group: Group): Promise<void> {
    await this.o.docs.put(group.tenant, NOTIFY_COLLECTION, group.docId, { sent: group.sent }).catch((e) => this.o.log(`alerts: cannot record notification: ${(e as Error).message}`))
  }

  private notification(group: Group, alerts: DispatchAlert[]): Notification {
    const wire: WireAlert[] = alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.status === 'resolved' && a.endsAt !== undefined ? new Date(a.endsAt).toISOString() : ZERO_TIME,
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    }))
    return {
      version: '4',
      groupKey: `${group.route.id}:${JSON.stringify(group.groupLabels)}`,
      truncatedAlerts: 0,
      status: wire.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      receiver: group.receiver.name,
      groupLabels: group.groupLabels,
      commonLabels: commonOf(wire.map((a) => a.labels)),
      commonAnnotations: commonOf(wire.map((a) => a.annotations)),
      externalURL: this.o.config.externalUrl,
      alerts: wire,
    }
  }

  /** Stops timers and deliveries under way. */
  stop(): void {
    this.stopping.abort()
    for (const g of this.groups.values()) clearTimeout(g.timer)
    this.groups.clear()
  }
}

/** The routes an alert goes to: the deepest matching ones, siblings after one with `continue`. */
export function matchRoutes(route: Route, labels: Readonly<Record<string, string>>): Route[] {
  if (!matches(route.matchers, labels)) return []
  const out: Route[] = []
  for (const child of route.routes) {
    const found = matchRoutes(child, labels)
    if (found.length === 0) continue
    out.push(...found)
    if (!child.continue) break
  }
  return out.length > 0 ? out : [route]
}

function groupLabelsOf(route: Route, labels: Readonly<Record<string, string>>): Record<string, string> {
  if (route.groupBy === 'all') return { ...labels }
  const out: Record<string, string> = {}
  for (const name of route.groupBy) if (labels[name] !== undefined) out[name] = labels[name]
  return out
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true })
  })
}
