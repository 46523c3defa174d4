/**
 * @module alerts/alert-service
 * The alerting service of one server: loads rule files and API-made rule groups, runs every
 * rule on its own timer, and reloads on demand (SIGHUP, `POST /api/v1/admin/reload`). A reload
 * that finds an invalid file keeps the rules running as they were and reports the error.
 */
import { ruleStateOf, type RuleState } from './alert-model.ts'
import { resolveAlertsConfig, type AlertsConfig, type NotifyConfig } from './alerts-config.ts'
import { Dispatcher } from './dispatcher.ts'
import { RULES_COLLECTION, STATE_COLLECTION, type AlertDocuments } from './documents.ts'
import { AlertError } from './errors.ts'
import type { QueryRunner } from './evaluator.ts'
import type { BatchSink } from './history.ts'
import { MAX_API_RULE_GROUPS } from './limits.ts'
import { loadRuleFiles } from './rule-file.ts'
import type { RuleGroup } from './rule-model.ts'
import { parseRuleGroups } from './rule-parse.ts'
import { RuleRunner, ruleId, type RunnerContext } from './rule-runner.ts'
import { sharedRunner } from './shared-runner.ts'
import { Silences } from './silences.ts'

export interface AlertServiceOptions {
  config?: AlertsConfig
  /** Base of links when the config names no externalUrl, e.g. `http://127.0.0.1:4319`. */
  defaultExternalUrl: string
  /** Runs queries read-only as a tenant. */
  run: QueryRunner
  /** The store's documents: state, API rules, silences (encrypted, durable). */
  docs: AlertDocuments
  /** Where history records go. */
  sink: BatchSink
  /** Tenants whose API-made rule groups are loaded at start. */
  tenants: () => readonly string[]
  now?: () => number
  log?: (line: string) => void
}

export class AlertService {
  readonly silences: Silences
  private readonly o: AlertServiceOptions
  private readonly notify: NotifyConfig
  private readonly dispatcher: Dispatcher
  private readonly ctx: RunnerContext
  private runners = new Map<string, RuleRunner>()
  private groups: RuleGroup[] = []
  private reloading: Promise<unknown> = Promise.resolve()

  private constructor(o: AlertServiceOptions) {
    this.o = o
    this.notify = resolveAlertsConfig(o.config, o.defaultExternalUrl)
    this.silences = new Silences(o.docs)
    const now = o.now ?? Date.now
    const log = o.log ?? (() => {})
    this.dispatcher = new Dispatcher({ config: this.notify, docs: o.docs, silences: this.silences, now, log })
    this.ctx = { run: sharedRunner(o.run, now), docs: o.docs, sink: o.sink, notify: this.notify, dispatcher: this.dispatcher, now, log }
  }

  /**
   * Checks the configuration and every rule file, then starts evaluating. Throws AlertError
   * (INVALID_CONFIG, INVALID_RULE naming file, group, rule and place) without starting anything.
   */
  static async start(o: AlertServiceOptions): Promise<AlertService> {
    const service = new AlertService(o)
    await service.apply(await service.loadAll())
    return service
  }

  /** Reads the rule files and API groups again and applies them; on error nothing changes. */
  reload(): Promise<{ groups: number; rules: number }> {
    const next = this.reloading.then(async () => {
      await this.apply(await this.loadAll())
      return { groups: this.groups.length, rules: this.runners.size }
    })
    this.reloading = next.catch(() => {})
    return next
  }

  private async loadAll(): Promise<RuleGroup[]> {
    const fromFiles = await loadRuleFiles(this.o.config?.ruleFiles ?? [])
    const fromApi: RuleGroup[] = []
    // Every tenant that has rule groups stored, whatever made its token (config or run time).
    const stored = await this.o.docs.tenants(RULES_COLLECTION)
    for (const tenant of new Set([...this.o.tenants(), ...stored, ...fromFiles.map((g) => g.tenant)])) {
      for (const doc of await this.o.docs.list<unknown>(tenant, RULES_COLLECTION)) {
        fromApi.push(...parseRuleGroups({ groups: [doc.value] }, { source: 'api', defaultTenant: tenant }))
      }
    }
    return [...fromFiles, ...fromApi]
  }

  /** Stops the runners of rules that went away or changed, starts new ones; state carries over. */
  private async apply(groups: RuleGroup[]): Promise<void> {
    const next = new Map<string, RuleRunner>()
    const keep = new Set<RuleRunner>()
    for (const group of groups) {
      for (const rule of group.rules) {
        const key = `${group.tenant}\u0000${ruleId(group.name, rule.alert)}`
        const old = this.runners.get(key)
        if (old !== undefined && JSON.stringify([old.group.intervalMs, old.rule]) === JSON.stringify([group.intervalMs, rule])) {
          next.set(key, old)
          keep.add(old)
          continue
        }
        const state = old?.state ?? (await this.o.docs.get<RuleState>(group.tenant, STATE_COLLECTION, ruleId(group.name, rule.alert))) ?? { health: 'unknown', instances: [] }
        next.set(key, new RuleRunner(group, rule, state, this.ctx))
      }
    }
    for (const [key, runner] of this.runners) {
      if (keep.has(runner)) continue
      await runner.stop()
      if (!next.has(key)) await this.o.docs.delete(runner.group.tenant, STATE_COLLECTION, runner.id).catch(() => false)
    }
    for (const runner of next.values()) if (!keep.has(runner)) runner.start()
    this.runners = next
    this.groups = groups
  }

  /** Rule groups of a tenant with every rule's state, as `GET /api/v1/rules` answers. */
  rules(tenant: string): unknown[] {
    return this.groups
      .filter((g) => g.tenant === tenant)
      .map((g) => ({
        name: g.name,
        source: g.source,
        interval: g.intervalMs / 1000,
        rules: g.rules.map((r) => {
          const runner = this.runners.get(`${tenant}\u0000${ruleId(g.name, r.alert)}`)!
          const s = runner.state
          return {
            alert: r.alert,
            query: r.query,
            condition: r.condition,
            for: r.forMs / 1000,
            keepFiringFor: r.keepFiringForMs / 1000,
            window: r.windowMs / 1000,
            labels: r.labels,
            annotations: r.annotations,
            state: ruleStateOf(s.instances),
            health: s.health,
            lastError: s.lastError ?? '',
            lastEvaluation: s.lastEvaluation === undefined ? null : new Date(s.lastEvaluation).toISOString(),
            evaluationMs: s.evaluationMs ?? null,
            skippedEvaluations: runner.skipped,
            alerts: s.instances.map(publicInstance),
          }
        }),
      }))
  }

  /** Pending and firing alerts of a tenant, as `GET /api/v1/alerts` answers. */
  alerts(tenant: string): unknown[] {
    const out: unknown[] = []
    for (const runner of this.runners.values()) {
      if (runner.group.tenant !== tenant) continue
      for (const i of runner.state.instances) if (i.state !== 'resolved') out.push({ ...publicInstance(i), group: runner.group.name, rule: runner.rule.alert })
    }
    return out
  }

  /** Stores a rule group made through the API (encrypted in the document store) and applies it. */
  async putGroup(tenant: string, name: string, body: unknown): Promise<void> {
    const doc = { ...(typeof body === 'object' && body !== null ? body : {}), name }
    parseRuleGroups({ groups: [doc] }, { source: 'api', defaultTenant: tenant })
    if (this.groups.some((g) => g.tenant === tenant && g.name === name && g.source !== 'api')) {
      throw new AlertError('INVALID_RULE', `api: group ${JSON.stringify(name)}: cannot store group: a rule file defines a group of that name`, { group: name })
    }
    const existing = await this.o.docs.list(tenant, RULES_COLLECTION)
    if (existing.length >= MAX_API_RULE_GROUPS && !existing.some((d) => d.id === name)) {
      throw new AlertError('INVALID_RULE', `api: cannot store group: the tenant has ${existing.length} groups, the limit is ${MAX_API_RULE_GROUPS}`)
    }
    await this.o.docs.put(tenant, RULES_COLLECTION, name, doc)
    await this.reload()
  }

  async deleteGroup(tenant: string, name: string): Promise<boolean> {
    const deleted = await this.o.docs.delete(tenant, RULES_COLLECTION, name)
    if (deleted) await this.reload()
    return deleted
  }

  async stop(): Promise<void> {
    await this.reloading
    for (const runner of this.runners.values()) await runner.stop()
    this.dispatcher.stop()
  }
}

function publicInstance(i: RuleState['instances'][number]): Record<string, unknown> {
  const time = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString())
  return { labels: i.labels, annotations: i.annotations, state: i.state, value: i.value, activeAt: time(i.activeAt), firedAt: time(i.firedAt), resolvedAt: time(i.resolvedAt), fingerprint: i.fingerprint }
}
