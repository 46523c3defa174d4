/**
 * @module alerts/rule-runner
 * Runs one rule on its own timer: evaluate, step its state machine, persist the state, write
 * the transitions to history, and hand the alerts to Alertmanager and the built-in dispatcher.
 * A tick that comes while the previous evaluation still runs is skipped (counted), so a slow
 * rule delays nobody but itself; its query has the rule's time limit.
 */
import { createHash } from 'node:crypto'
import type { AlertInstance, RuleState, Transition } from './alert-model.ts'
import { postToAlertmanagers, type PostableAlert } from './alertmanager-client.ts'
import type { NotifyConfig } from './alerts-config.ts'
import type { DispatchAlert, Dispatcher } from './dispatcher.ts'
import { STATE_COLLECTION, type AlertDocuments } from './documents.ts'
import { annotationsOf, evaluateRule, type QueryRunner } from './evaluator.ts'
import { historyBatch, type BatchSink } from './history.ts'
import { ENDS_AT_FACTOR } from './limits.ts'
import type { Rule, RuleGroup } from './rule-model.ts'
import { step } from './state-machine.ts'

export interface RunnerContext {
  run: QueryRunner
  docs: AlertDocuments
  sink: BatchSink
  notify: NotifyConfig
  dispatcher: Dispatcher
  now: () => number
  log: (line: string) => void
}

export class RuleRunner {
  readonly group: RuleGroup
  readonly rule: Rule
  readonly id: string
  state: RuleState
  /** Ticks skipped because the previous evaluation was still running. */
  skipped = 0
  private readonly ctx: RunnerContext
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = false
  private readonly stopping = new AbortController()
  /** Resolved alerts go to the dispatcher when they resolve, and all of them once after a start. */
  private handedResolved = false

  constructor(group: RuleGroup, rule: Rule, state: RuleState, ctx: RunnerContext) {
    this.group = group
    this.rule = rule
    this.id = ruleId(group.name, rule.alert)
    this.state = state
    this.ctx = ctx
  }

  /** The rule's query on the web UI's Explore page, which reads its query from `q`. */
  get link(): string {
    const q = new URLSearchParams({ q: this.rule.query, tenant: this.group.tenant })
    return `${this.ctx.notify.externalUrl}/explore?${q}`
  }

  /**
   * Evaluates every interval (measured from the schedule, not from completion), first after an
   * offset within the interval that a hash of the rule's question (tenant, query, window) gives,
   * as Prometheus spreads its groups: hundreds of rules do not all query at the same moment,
   * and rules asking the same question do, so they share one run (shared-runner.ts).
   */
  start(): void {
    const question = `${this.group.tenant}\u0000${this.rule.windowMs}\u0000${this.rule.query}`
    const hash = createHash('sha256').update(question).digest().readUInt32BE(0)
    let next = this.ctx.now() + (hash % this.group.intervalMs)
    const tick = (): void => {
      if (this.stopped) return
      if (this.running !== undefined) this.skipped++
      else this.running = this.evaluate().finally(() => (this.running = undefined))
      next += this.group.intervalMs
      this.timer = setTimeout(tick, Math.max(0, next - this.ctx.now()))
      this.timer.unref?.()
    }
    this.timer = setTimeout(tick, Math.max(0, next - this.ctx.now()))
    this.timer.unref?.()
  }

  /** Stops the timer and waits for an evaluation under way. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.stopping.abort()
    await this.running
  }

  /** One evaluation; never throws (failures become the rule's health). */
  async evaluate(): Promise<void> {
    const { ctx, rule, group } = this
    const now = ctx.now()
    const input = { rule, group: group.name, tenant: group.tenant, now, link: this.link, run: ctx.run, signal: this.stopping.signal }
    let transitions: Transition[] = []
    try {
      const evaluation = await evaluateRule(input)
      if (this.stopped) return
      if (evaluation.kind === 'samples') {
        const next = step(this.state.instances, evaluation.samples, {
          forMs: rule.forMs,
          keepFiringForMs: rule.keepFiringForMs,
          now,
          annotate: (labels, value) => annotationsOf(input, labels, value),
        })
        this.state.instances = next.instances
        transitions = next.transitions
      }
      this.state.health = evaluation.error === undefined ? 'ok' : 'error'
      this.state.lastError = evaluation.error
    } catch (error) {
      this.state.health = 'error'
      this.state.lastError = (error as Error).message
    }
    this.state.lastEvaluation = now
    this.state.evaluationMs = ctx.now() - now
    const toAlertmanager = this.dueForAlertmanager(now)
    if (transitions.length > 0 || toAlertmanager.length > 0) {
      // State first: once it is durable, a restart neither forgets nor repeats what follows.
      await ctx.docs.put(group.tenant, STATE_COLLECTION, this.id, this.state).catch((e) => ctx.log(`alerts: cannot save state of rule ${this.id}: ${(e as Error).message}`))
    }
    if (transitions.length > 0) {
      await ctx.sink(group.tenant, historyBatch(group.name, rule.alert, transitions, now)).catch((e) => ctx.log(`alerts: cannot write history of rule ${this.id}: ${(e as Error).message}`))
    }
    if (toAlertmanager.length > 0) {
      void postToAlertmanagers(ctx.notify.alertmanagers, toAlertmanager).then((failures) => failures.forEach((f) => ctx.log(`alerts: ${f}`)))
    }
    const resolvedNow = new Set(transitions.filter((t) => t.to === 'resolved').map((t) => t.instance.fingerprint))
    const handed = this.state.instances.filter((i) => i.state === 'firing' || (i.state === 'resolved' && (!this.handedResolved || resolvedNow.has(i.fingerprint))))
    this.handedResolved = true
    await ctx.dispatcher.update(group.tenant, handed.map((i) => this.dispatchAlert(i))).catch((e) => ctx.log(`alerts: cannot dispatch rule ${this.id}: ${(e as Error).message}`))
  }

  /** Alerts Alertmanager should hear of now, as Prometheus decides it (needsSending); marks them sent. */
  private dueForAlertmanager(now: number): PostableAlert[] {
    if (this.ctx.notify.alertmanagers.length === 0) return []
    const resend = this.ctx.notify.resendDelayMs
    const out: PostableAlert[] = []
    for (const i of this.state.instances) {
      if (i.state === 'pending') continue
      const due = i.lastSentAt === undefined || (i.resolvedAt !== undefined && i.resolvedAt > i.lastSentAt) || i.lastSentAt + resend <= now
      if (!due) continue
      i.lastSentAt = now
      const endsAt = i.state === 'resolved' ? i.resolvedAt! : now + ENDS_AT_FACTOR * Math.max(resend, this.group.intervalMs)
      out.push({ labels: { ...i.labels }, annotations: i.annotations, startsAt: new Date(i.firedAt ?? i.activeAt).toISOString(), endsAt: new Date(endsAt).toISOString(), generatorURL: this.link })
    }
    return out
  }

  private dispatchAlert(i: AlertInstance): DispatchAlert {
    return {
      fingerprint: i.fingerprint,
      labels: { ...i.labels },
      annotations: i.annotations,
      status: i.state === 'resolved' ? 'resolved' : 'firing',
      startsAt: i.firedAt ?? i.activeAt,
      endsAt: i.resolvedAt,
      generatorURL: this.link,
    }
  }
}

/** Document id of a rule's state. */
export function ruleId(group: string, alert: string): string {
  return `${group}/${alert}`
}
