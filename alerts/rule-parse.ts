/**
 * @module alerts/rule-parse
 * Turns a parsed rule document (from YAML, JSON or an API body) into checked RuleGroups. Every
 * query is parsed and planned by the query service, so a rule that would fail at its first
 * evaluation stops the load instead, with the query service's message and place.
 */
import { DEFAULT_TENANT, TENANT_NAME } from '../storage/index.ts'
import { parseQuery, planQuery, QueryError } from '../query/index.ts'
import { parseCondition } from './condition.ts'
import { parseDurationMs } from './duration.ts'
import { AlertError } from './errors.ts'
import { DEFAULT_INTERVAL_MS, MAX_EVALUATION_TIMEOUT_MS, MAX_RULES_PER_FILE, MIN_INTERVAL_MS } from './limits.ts'
import type { ErrorPolicy, NoDataPolicy, Rule, RuleGroup } from './rule-model.ts'
import { checkTemplate } from './template.ts'

/** A place in the source text: 1-based line and column of the value at `path`. */
export type Locate = (path: readonly (string | number)[]) => { line: number; column: number } | undefined
/** For a query at `path`, the file position of the query's own 1-based line and column. */
export type LocateInQuery = (path: readonly (string | number)[], line: number, column: number) => { line: number; column: number } | undefined

export interface ParseContext {
  /** Named in messages: a file path, or `api`. */
  source: string
  locate?: Locate
  locateInQuery?: LocateInQuery
  /** Tenant of groups that name none (and the only one API groups may use). */
  defaultTenant?: string
}

const RULE_KEYS = new Set(['alert', 'query', 'condition', 'window', 'for', 'keep_firing_for', 'labels', 'annotations', 'group_by', 'no_data', 'on_error', 'timeout'])
const GROUP_KEYS = new Set(['name', 'interval', 'tenant', 'rules'])
const NO_DATA: readonly NoDataPolicy[] = ['ok', 'alerting', 'keep_state']
const ON_ERROR: readonly ErrorPolicy[] = ['keep_state', 'alerting', 'ok']
/** Group and alert names: 120 characters each keep `<group>/<alert>` within the document store's 256-character ids. */
const NAME = /^[A-Za-z_][A-Za-z0-9_:. -]{0,119}$/

/**
 * The groups of a rule document `{groups: [...]}`; throws AlertError INVALID_RULE naming the
 * source, group, rule, and the line and column when known.
 */
export function parseRuleGroups(doc: unknown, ctx: ParseContext): RuleGroup[] {
  const fail = (path: (string | number)[], message: string, group?: string, rule?: string, at = ctx.locate?.(path)): never => {
    const where = at === undefined ? ctx.source : `${ctx.source}:${at.line}:${at.column}`
    const who = [group === undefined ? '' : `group ${JSON.stringify(group)}`, rule === undefined ? '' : `rule ${JSON.stringify(rule)}`].filter(Boolean).join(', ')
    throw new AlertError('INVALID_RULE', `${where}: ${who === '' ? '' : `${who}: `}${message}`, { file: ctx.source, group, rule, line: at?.line, column: at?.column })
  }
  if (!isObject(doc) || !Array.isArray(doc.groups)) throw fail([], 'cannot load rules: expected an object with a list "groups"')
  const groups: RuleGroup[] = []
  const groupNames = new Set<string>()
  let count = 0
  ;(doc as { groups: unknown[] }).groups.forEach((g, gi) => {
    const gp = ['groups', gi]
    if (!isObject(g)) throw fail(gp, 'cannot load group: expected an object {name, interval, rules}')
    const name = g.name
    if (typeof name !== 'string' || !NAME.test(name)) throw fail([...gp, 'name'], `cannot load group: name must be 1 to 120 letters, digits, "_", ":", ".", "-" or spaces, got ${JSON.stringify(name)}`)
    const gname = name as string
    if (groupNames.has(gname)) throw fail([...gp, 'name'], 'cannot load group: the name is used by another group', gname)
    groupNames.add(gname)
    for (const key of Object.keys(g)) if (!GROUP_KEYS.has(key)) throw fail([...gp, key], `cannot load group: unknown field ${JSON.stringify(key)}; known: ${[...GROUP_KEYS].join(', ')}`, gname)
    const intervalMs = g.interval === undefined ? DEFAULT_INTERVAL_MS : parseDurationMs(g.interval)
    if (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS) throw fail([...gp, 'interval'], `cannot load group: interval must be a duration of at least ${MIN_INTERVAL_MS}ms, like 30s or 1m, got ${JSON.stringify(g.interval)}`, gname)
    const tenant = g.tenant ?? ctx.defaultTenant ?? DEFAULT_TENANT
    if (typeof tenant !== 'string' || !TENANT_NAME.test(tenant)) throw fail([...gp, 'tenant'], 'cannot load group: tenant must be 1 to 64 letters, digits, "-" or "_"', gname)
    if (ctx.defaultTenant !== undefined && tenant !== ctx.defaultTenant) throw fail([...gp, 'tenant'], `cannot load group: it may only use tenant ${JSON.stringify(ctx.defaultTenant)}`, gname)
    if (!Array.isArray(g.rules) || g.rules.length === 0) throw fail([...gp, 'rules'], 'cannot load group: expected a non-empty list "rules"', gname)
    const rules: Rule[] = []
    const alertNames = new Set<string>()
    ;(g.rules as unknown[]).forEach((r, ri) => {
      const rp = [...gp, 'rules', ri]
      if (++count > MAX_RULES_PER_FILE) throw fail(rp, `cannot load rules: more than ${MAX_RULES_PER_FILE} rules`, gname)
      if (!isObject(r)) throw fail(rp, 'cannot load rule: expected an object {alert, query, condition, ...}', gname)
      const alert = r.alert
      if (typeof alert !== 'string' || !NAME.test(alert)) throw fail([...rp, 'alert'], `cannot load rule: alert must be a name of 1 to 120 letters, digits, "_", ":", ".", "-" or spaces, got ${JSON.stringify(alert)}`, gname)
      const rule = (field: string, message: string): never => fail([...rp, field], `cannot load rule: ${message}`, gname, alert as string)
      if (alertNames.has(alert as string)) throw rule('alert', 'the name is used by another rule of the group')
      alertNames.add(alert as string)
      for (const key of Object.keys(r)) if (!RULE_KEYS.has(key)) throw rule(key, `unknown field ${JSON.stringify(key)}; known: ${[...RULE_KEYS].join(', ')}`)
      if (typeof r.query !== 'string' || r.query.trim() === '') throw rule('query', 'query must be a non-empty string')
      const condition = parseCondition(r.condition)
      if (typeof condition === 'string') throw rule('condition', `cannot parse condition: ${condition}`)
      const duration = (field: string, fallback: number): number => {
        if (r[field] === undefined) return fallback
        const ms = parseDurationMs(r[field])
        return ms === undefined ? rule(field, `${field} must be a duration like 5m or 30s, got ${JSON.stringify(r[field])}`) : ms
      }
      const windowMs = duration('window', intervalMs as number)
      if (windowMs <= 0) throw rule('window', 'window must be longer than 0')
      const timeoutMs = duration('timeout', Math.min(intervalMs as number, MAX_EVALUATION_TIMEOUT_MS))
      const labels = stringMap(r.labels, (m) => rule('labels', m))
      const annotations = stringMap(r.annotations, (m) => rule('annotations', m))
      for (const [k, v] of Object.entries(labels)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw rule('labels', `label name ${JSON.stringify(k)} must match [A-Za-z_][A-Za-z0-9_]*`)
        const bad = checkTemplate(v)
        if (bad !== undefined) throw rule('labels', `label ${k}: ${bad}`)
      }
      for (const [k, v] of Object.entries(annotations)) {
        const bad = checkTemplate(v)
        if (bad !== undefined) throw rule('annotations', `annotation ${k}: ${bad}`)
      }
      let groupBy: string[] | undefined
      if (r.group_by !== undefined) {
        if (!Array.isArray(r.group_by) || r.group_by.some((c) => typeof c !== 'string')) throw rule('group_by', 'group_by must be a list of result column names')
        groupBy = r.group_by as string[]
      }
      const noData = r.no_data ?? 'ok'
      if (!NO_DATA.includes(noData as NoDataPolicy)) throw rule('no_data', `no_data must be one of ${NO_DATA.join(', ')}, got ${JSON.stringify(noData)}`)
      const onError = r.on_error ?? 'keep_state'
      if (!ON_ERROR.includes(onError as ErrorPolicy)) throw rule('on_error', `on_error must be one of ${ON_ERROR.join(', ')}, got ${JSON.stringify(onError)}`)
      const query = (r.query as string).trimEnd()
      const c = condition as Exclude<typeof condition, string>
      checkQuery(query, c.column, groupBy, (message, qline, qcol): never => {
        const at = qline === undefined ? undefined : ctx.locateInQuery?.([...rp, 'query'], qline, qcol!)
        return fail([...rp, 'query'], message, gname, alert as string, at ?? ctx.locate?.([...rp, qline === undefined ? 'condition' : 'query']))
      })
      rules.push({
        alert: alert as string,
        query,
        condition: c,
        windowMs,
        forMs: duration('for', 0),
        keepFiringForMs: duration('keep_firing_for', 0),
        labels,
        annotations,
        groupBy,
        noData: noData as NoDataPolicy,
        onError: onError as ErrorPolicy,
        timeoutMs,
      })
    })
    groups.push({ name: gname, tenant: tenant as string, intervalMs: intervalMs as number, source: ctx.source, rules })
  })
  return groups
}

/** Parses and plans the query; reports the query service's error, with its place in the query. */
function checkQuery(query: string, column: string, groupBy: readonly string[] | undefined, fail: (message: string, line?: number, column?: number) => never): void {
  try {
    const plan = planQuery(parseQuery(query), { now: 0n, source: query })
    const columns = plan.out.signal === undefined ? plan.out.columns : undefined
    if (columns === undefined) return
    const known = Object.keys(columns)
    for (const name of [column, ...(groupBy ?? [])]) {
      if (!known.includes(name)) throw fail(`cannot use column ${JSON.stringify(name)}: the query's result has columns ${known.map((k) => JSON.stringify(k)).join(', ')}`)
    }
  } catch (error) {
    if (!(error instanceof QueryError)) throw error
    const place = error.line === undefined ? '' : ` (query line ${error.line}, column ${error.column})`
    fail(`${error.message}${place}`, error.line, error.column)
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function stringMap(x: unknown, fail: (message: string) => never): Record<string, string> {
  if (x === undefined) return {}
  if (!isObject(x)) return fail('expected a map of names to text')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw fail(`${k} must be text`)
    out[k] = String(v)
  }
  return out
}
