/**
 * @module test/differential/random-query
 * Seeded random well-typed queries with their SQL translation, and a shrinker that cuts a
 * failing one down to a minimal failing query. Literals are drawn from the data so that
 * predicates select something. The SQL keeps BlazeDB's two-valued logic: every comparison is
 * `coalesce(<cmp>, false)`, so `not` of a comparison with an absent value is true in both.
 */
import { formatTime } from '../../query/lexer.ts'
import type { AttrValue, FlatLog, FlatSpan, Workload } from '../../workload/index.ts'

type Type = 'num' | 'dur' | 'str' | 'time' | 'id' | 'bool' | 'mixed'
type Lit = string | number | bigint | boolean

interface Field {
  readonly blaze: string
  readonly sql: string
  readonly type: Type
  /** Values seen in the data (absent ones left out). */
  readonly values: readonly Lit[]
  /** Few distinct values: usable as a group key. */
  readonly key?: boolean
}

type Pred =
  | { readonly k: 'cmp'; readonly f: Field; readonly op: string; readonly v: Lit }
  | { readonly k: 'in'; readonly f: Field; readonly neg: boolean; readonly vs: readonly Lit[] }
  | { readonly k: 'str'; readonly f: Field; readonly op: 'contains' | 'startswith' | 'endswith'; readonly neg: boolean; readonly v: string }
  | { readonly k: 'exists'; readonly f: Field; readonly neg: boolean }
  | { readonly k: 'and' | 'or'; readonly a: Pred; readonly b: Pred }
  | { readonly k: 'not'; readonly a: Pred }

interface Agg {
  readonly fn: 'count' | 'countif' | 'sum' | 'avg' | 'min' | 'max' | 'dcount' | 'p50' | 'p90' | 'p99'
  readonly f?: Field
  readonly p?: Pred
}

type Tail = { readonly k: 'stats'; readonly aggs: readonly Agg[]; readonly by: readonly Field[] } | { readonly k: 'top'; readonly key: Field; readonly desc: boolean; readonly limit: number }

export interface RandomSpec {
  readonly source: 'spans' | 'logs'
  readonly where?: Pred
  readonly tail: Tail
}

export interface RandomCase {
  readonly spec: RandomSpec
  readonly query: string
  readonly sql: string
  readonly ordered: boolean
}

/** A small seeded source (LCG), enough to pick shapes. */
class Pick {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0 || 1
  }
  next(): number {
    this.s = (Math.imul(this.s, 1664525) + 1013904223) >>> 0
    return this.s / 4294967296
  }
  int(n: number): number {
    return Math.floor(this.next() * n)
  }
  of<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]
  }
}

function sample<T>(records: readonly T[], get: (r: T) => AttrValue | undefined | null): Lit[] {
  const out: Lit[] = []
  for (let i = 0; i < records.length && out.length < 40; i += Math.max(1, Math.floor(records.length / 97))) {
    const v = get(records[i])
    if (v !== undefined && v !== null && v !== '') out.push(v)
  }
  return out
}

function fields(w: Workload): Record<'spans' | 'logs', Field[]> {
  const S = w.spans
  const L = w.logs
  const a = (key: string) => (s: FlatSpan | FlatLog) => s.attributes[key]
  return {
    spans: [
      { blaze: 'duration', sql: 'duration', type: 'dur', values: sample(S, (s) => s.end - s.start) },
      { blaze: 'status_code', sql: 'status_code', type: 'num', values: [0, 1, 2], key: true },
      { blaze: 'attr.http.response.status_code', sql: '"attr.http.response.status_code"', type: 'num', values: [200, 201, 500, 503], key: true },
      { blaze: 'attr.payment.amount', sql: '"attr.payment.amount"', type: 'num', values: sample(S, a('payment.amount')) },
      { blaze: 'name', sql: 'name', type: 'str', values: sample(S, (s) => s.name), key: true },
      { blaze: 'service.name', sql: '"service.name"', type: 'str', values: sample(S, (s) => s.resource['service.name']), key: true },
      { blaze: 'kind', sql: 'kind', type: 'str', values: ['server', 'client', 'internal', 'producer'], key: true },
      { blaze: 'status', sql: 'status', type: 'str', values: ['unset', 'ok', 'error'], key: true },
      { blaze: 'attr.http.route', sql: '"attr.http.route"', type: 'str', values: sample(S, a('http.route')), key: true },
      { blaze: 'attr.db.system', sql: '"attr.db.system"', type: 'str', values: ['redis', 'postgresql'], key: true },
      { blaze: 'attr.cache.hit', sql: '"attr.cache.hit"', type: 'bool', values: [true, false], key: true },
      { blaze: 'trace_id', sql: 'trace_id', type: 'id', values: sample(S, (s) => s.traceId) },
      { blaze: 'span_id', sql: 'span_id', type: 'id', values: sample(S, (s) => s.spanId) },
      { blaze: 'parent_span_id', sql: 'parent_span_id', type: 'id', values: sample(S, (s) => s.parentSpanId) },
      { blaze: 'time', sql: 'time', type: 'time', values: sample(S, (s) => s.start) },
      { blaze: 'end', sql: '"end"', type: 'time', values: sample(S, (s) => s.end) },
      { blaze: 'attr.user.id', sql: '"attr.user.id', type: 'mixed', values: sample(S, a('user.id')) },
    ],
    logs: [
      { blaze: 'severity', sql: 'severity', type: 'num', values: [1, 5, 9, 13, 17, 21], key: true },
      { blaze: 'severity_text', sql: 'severity_text', type: 'str', values: ['INFO', 'WARN', 'ERROR'], key: true },
      { blaze: 'body', sql: 'body', type: 'str', values: sample(L, (l) => l.body) },
      { blaze: 'service.name', sql: '"service.name"', type: 'str', values: sample(L, (l) => l.resource['service.name']), key: true },
      { blaze: 'attr.log.iostream', sql: '"attr.log.iostream"', type: 'str', values: ['stdout', 'stderr'], key: true },
      { blaze: 'attr.code.function', sql: '"attr.code.function"', type: 'str', values: ['handle', 'render', 'charge'], key: true },
      { blaze: 'attr.thread.id', sql: '"attr.thread.id"', type: 'num', values: [1n, 16n, 32n, 64n] },
      { blaze: 'trace_id', sql: 'trace_id', type: 'id', values: sample(L, (l) => l.traceId) },
      { blaze: 'time', sql: 'time', type: 'time', values: sample(L, (l) => l.time) },
      { blaze: 'observed_time', sql: 'observed_time', type: 'time', values: sample(L, (l) => (l.observedTime === 0n ? undefined : l.observedTime)) },
    ],
  }
}

const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`

function blazeLit(f: Field, v: Lit): string {
  if (f.type === 'time') return formatTime(BigInt(v as bigint))
  if (f.type === 'dur') return `${v}ns`
  if (typeof v === 'string') return JSON.stringify(v)
  return String(v)
}

function sqlLit(v: Lit): string {
  return typeof v === 'string' ? sqlString(v) : String(v)
}

/** The SQL column of `f` for a literal `v`: mixed-type attributes have one column per type. */
function column(f: Field, v?: Lit): string {
  if (f.type !== 'mixed') return f.sql
  return `${f.sql}#${typeof v === 'string' ? 'str' : 'int'}"`
}

const SQL_OP: Record<string, string> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }
const STR_FN = { contains: 'contains', startswith: 'starts_with', endswith: 'ends_with' } as const

function predBlaze(p: Pred): string {
  switch (p.k) {
    case 'cmp': return `${p.f.blaze} ${p.op} ${blazeLit(p.f, p.v)}`
    case 'in': return `${p.f.blaze} ${p.neg ? 'not in' : 'in'} (${p.vs.map((v) => blazeLit(p.f, v)).join(', ')})`
    case 'str': return `${p.f.blaze} ${p.neg ? 'not ' : ''}${p.op} ${JSON.stringify(p.v)}`
    case 'exists': return `${p.neg ? 'not ' : ''}exists(${p.f.blaze})`
    case 'and': case 'or': return `(${predBlaze(p.a)} ${p.k} ${predBlaze(p.b)})`
    case 'not': return `not (${predBlaze(p.a)})`
  }
}

function predSql(p: Pred): string {
  switch (p.k) {
    case 'cmp': return `coalesce(${column(p.f, p.v)} ${SQL_OP[p.op]} ${sqlLit(p.v)}, false)`
    case 'in': return `coalesce(${column(p.f, p.vs[0])} ${p.neg ? 'NOT IN' : 'IN'} (${p.vs.map(sqlLit).join(', ')}), false)`
    case 'str': return `coalesce(${p.neg ? 'NOT ' : ''}${STR_FN[p.op]}(${column(p.f)}, ${sqlString(p.v)}), false)`
    case 'exists': return p.f.type === 'mixed' ? `${p.neg ? 'NOT ' : ''}(${column(p.f, 1)} IS NOT NULL OR ${column(p.f, '')} IS NOT NULL)` : `${column(p.f)} IS ${p.neg ? '' : 'NOT '}NULL`
    case 'and': case 'or': return `(${predSql(p.a)} ${p.k.toUpperCase()} ${predSql(p.b)})`
    case 'not': return `NOT (${predSql(p.a)})`
  }
}

function aggBlaze(a: Agg): string {
  if (a.fn === 'count') return 'count()'
  if (a.fn === 'countif') return `countif(${predBlaze(a.p!)})`
  return `${a.fn}(${a.f!.blaze})`
}

function aggSql(a: Agg): string {
  const q: Record<string, string> = { p50: '0.5', p90: '0.9', p99: '0.99' }
  switch (a.fn) {
    case 'count': return 'count(*)'
    case 'countif': return `count(*) FILTER (${predSql(a.p!)})`
    case 'sum': return `coalesce(sum(${a.f!.sql}), 0)`
    case 'dcount': return `count(DISTINCT ${a.f!.sql})`
    case 'p50': case 'p90': case 'p99': return `quantile_disc(${a.f!.sql}, ${q[a.fn]})`
    default: return `${a.fn}(${a.f!.sql})`
  }
}

/** The query text and SQL of a spec. */
export function render(spec: RandomSpec): RandomCase {
  const where = spec.where === undefined ? '' : ` | where ${predBlaze(spec.where)}`
  const sqlWhere = spec.where === undefined ? '' : ` WHERE ${predSql(spec.where)}`
  const t = spec.tail
  if (t.k === 'top') {
    const dir = t.desc ? ' desc' : ''
    return {
      spec,
      query: `${spec.source}${where} | sort ${t.key.blaze}${dir}, span_id | limit ${t.limit} | select span_id, ${t.key.blaze}`,
      sql: `SELECT span_id, ${t.key.sql} FROM ${spec.source}${sqlWhere} ORDER BY ${t.key.sql}${t.desc ? ' DESC' : ''} NULLS LAST, span_id LIMIT ${t.limit}`,
      ordered: true,
    }
  }
  const by = t.by.length === 0 ? '' : ` by ${t.by.map((f) => f.blaze).join(', ')}`
  const group = t.by.length === 0 ? '' : ` GROUP BY ${t.by.map((_, i) => i + 1).join(', ')}`
  return {
    spec,
    query: `${spec.source}${where} | stats ${t.aggs.map(aggBlaze).join(', ')}${by}`,
    sql: `SELECT ${[...t.by.map((f) => f.sql), ...t.aggs.map(aggSql)].join(', ')} FROM ${spec.source}${sqlWhere}${group}`,
    ordered: false,
  }
}

const CMP = ['=', '!=', '<', '<=', '>', '>=']

function randomPred(r: Pick, fs: readonly Field[], depth: number): Pred {
  const roll = r.next()
  if (depth < 3 && roll < 0.3) return { k: r.of(['and', 'or'] as const), a: randomPred(r, fs, depth + 1), b: randomPred(r, fs, depth + 1) }
  if (depth < 3 && roll < 0.4) return { k: 'not', a: randomPred(r, fs, depth + 1) }
  const f = r.of(fs)
  const v = (): Lit => (f.values.length > 0 ? r.of(f.values) : 0)
  if (r.next() < 0.1) return { k: 'exists', f, neg: r.next() < 0.5 }
  if (f.type === 'str' && r.next() < 0.5) {
    const s = String(v())
    const at = r.int(Math.max(1, s.length - 2))
    return { k: 'str', f, op: r.of(['contains', 'startswith', 'endswith'] as const), neg: r.next() < 0.5, v: s.slice(at, at + 1 + r.int(4)) }
  }
  if (r.next() < 0.2) {
    const first = v()
    const vs = [first, ...Array.from({ length: r.int(3) }, v)].filter((x) => typeof x === typeof first)
    return { k: 'in', f, neg: r.next() < 0.5, vs }
  }
  const ops = f.type === 'bool' ? ['=', '!='] : CMP
  return { k: 'cmp', f, op: r.of(ops), v: v() }
}

/**
 * A generator of random cases over `w`'s data.
 * @example const make = randomCases(workload); const c = make(42)
 */
export function randomCases(w: Workload): (seed: number) => RandomCase {
  const all = fields(w)
  return (seed) => {
    const r = new Pick(seed)
    const source = r.next() < 0.7 ? 'spans' : 'logs'
    const fs = all[source]
    const where = r.next() < 0.9 ? randomPred(r, fs, 0) : undefined
    const numeric = fs.filter((f) => f.type === 'num' || f.type === 'dur' || f.type === 'time')
    const plain = fs.filter((f) => f.type !== 'mixed' && f.type !== 'bool')
    let tail: Tail
    if (source === 'spans' && r.next() < 0.25) {
      tail = { k: 'top', key: r.of(plain.filter((f) => f.blaze !== 'span_id')), desc: r.next() < 0.5, limit: 1 + r.int(20) }
    } else {
      // Two aggregates of one text would name two columns alike, which is an error: keep the first.
      const aggs: Agg[] = Array.from({ length: 1 + r.int(3) }, (): Agg => {
        const fn = r.of(['count', 'countif', 'sum', 'avg', 'min', 'max', 'dcount', 'p50', 'p90', 'p99'] as const)
        if (fn === 'count') return { fn }
        if (fn === 'countif') return { fn, p: randomPred(r, fs, 2) }
        if (fn === 'dcount') return { fn, f: r.of(plain) }
        const f = r.of(numeric)
        return { fn: f.type === 'time' && (fn === 'sum' || fn === 'avg') ? 'max' : fn, f }
      }).filter((a, i, xs) => xs.findIndex((b) => aggBlaze(b) === aggBlaze(a)) === i)
      const keys = fs.filter((f) => f.key === true)
      const by = Array.from({ length: r.int(3) }, () => r.of(keys)).filter((f, i, xs) => xs.indexOf(f) === i)
      tail = { k: 'stats', aggs, by }
    }
    return render({ source, where, tail })
  }
}

/** Smaller variants of a predicate: each child, and each child simplified. */
function smallerPreds(p: Pred): Pred[] {
  switch (p.k) {
    case 'and': case 'or':
      return [p.a, p.b, ...smallerPreds(p.a).map((a) => ({ ...p, a })), ...smallerPreds(p.b).map((b) => ({ ...p, b }))]
    case 'not':
      return [p.a, ...smallerPreds(p.a).map((a) => ({ ...p, a }))]
    case 'in':
      return p.vs.length > 1 ? p.vs.map((_, i) => ({ ...p, vs: p.vs.filter((__, j) => j !== i) })) : []
    default:
      return []
  }
}

function smallerSpecs(s: RandomSpec): RandomSpec[] {
  const out: RandomSpec[] = []
  if (s.where !== undefined) out.push({ ...s, where: undefined }, ...smallerPreds(s.where).map((where) => ({ ...s, where })))
  const t = s.tail
  if (t.k === 'stats') {
    if (t.by.length > 0 || t.aggs.length > 1 || t.aggs[0].fn !== 'count') out.push({ ...s, tail: { k: 'stats', aggs: [{ fn: 'count' }], by: [] } })
    t.by.forEach((_, i) => out.push({ ...s, tail: { ...t, by: t.by.filter((__, j) => j !== i) } }))
    if (t.aggs.length > 1) t.aggs.forEach((_, i) => out.push({ ...s, tail: { ...t, aggs: t.aggs.filter((__, j) => j !== i) } }))
    t.aggs.forEach((a, i) => {
      if (a.p !== undefined) for (const p of smallerPreds(a.p)) out.push({ ...s, tail: { ...t, aggs: t.aggs.map((x, j) => (j === i ? { ...a, p } : x)) } })
    })
  } else {
    out.push({ ...s, tail: { k: 'stats', aggs: [{ fn: 'count' }], by: [] } })
    if (t.limit > 1) out.push({ ...s, tail: { ...t, limit: 1 } })
  }
  return out
}

/**
 * Cuts a failing case down: takes any smaller variant that still fails, until none does.
 * @example const minimal = await shrink(c, async (x) => (await differs(x)))
 */
export async function shrink(c: RandomCase, fails: (c: RandomCase) => Promise<boolean>): Promise<RandomCase> {
  let current = c
  for (let progress = true; progress; ) {
    progress = false
    for (const spec of smallerSpecs(current.spec)) {
      const candidate = render(spec)
      if (await fails(candidate)) {
        current = candidate
        progress = true
        break
      }
    }
  }
  return current
}
