/**
 * @module test/support/query-gen
 * Random query texts from a seed, for fuzzing the query API: mostly well-formed queries of
 * every operator, with expressions of random shape, size and nesting; then the same mutated
 * (characters dropped, repeated, swapped for random ones) and plain random bytes. The same
 * seed gives the same texts.
 */
import { seededRandom } from './random-batch.ts'

const FIELDS = [
  'time', 'trace_id', 'span_id', 'parent_span_id', 'name', 'kind', 'duration', 'status', 'status_code', 'status_message',
  'start', 'end', 'events', 'links', 'severity', 'severity_text', 'body', 'observed_time', 'metric.name', 'metric.type',
  'value', 'count', 'sum', 'min', 'max', 'bucket_counts', 'explicit_bounds', 'service.name', 'http.route',
  'attr.http.response.status_code', 'resource.service.name', 'scope.name', 'nope', 'attr.`k8s-pod`', 'j.name', 'x.y.z',
]
const AGGREGATES = ['count()', 'countif(status = "error")', 'sum(duration)', 'avg(value)', 'min(time)', 'max(duration)', 'dcount(trace_id)', 'p50(duration)', 'p99(value)', 'percentile(duration, 99.9)', 'rate()', 'rate(value)', 'increase(value)', 'histogram_quantile(0.9)', 'count_distinct(name)', 'sum()', 'percentile(duration, 0)']
const FUNCTIONS = ['bin', 'exists', 'lower', 'upper', 'len', 'now', 'frob', 'count']
const PATTERNS = ['^(a+)+$', '(x+x+)+y', 'conn(ection)? reset', '(', '(?=a)', '\\1', '[z-a]', '(?i)op', '.*', 'a{1000}', '^$', '\\pL+', '(a|b|c|d|e){1,20}']
const STRINGS = ['', 'x', 'op-1', 'svc-0', '/r/1', 'error', '0000000000000001', 'ö\u0000', '"', "it's", '\\', 'a'.repeat(300)]
const NUMBERS = ['0', '1', '-1', '42', '0.5', '1e308', '1e-320', '99999999999999999999', '3.14159', '100000', '1000001']
const DURATIONS = ['0ns', '1ms', '250ms', '1.5s', '5m', '1h', '7d', '1w', '1e3s']
const TIMES = ['2026-11-01T00:00:00Z', '1970-01-01T00:00:00Z', '2262-04-11T23:47:16.854775807Z', '0001-01-01T00:00:00Z', '2026-02-30T00:00:00Z']
const BINARY = ['=', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'and', 'or', 'contains', 'startswith', 'endswith', 'not contains']

export class QueryGen {
  private readonly rand: () => number

  constructor(seed: number) {
    this.rand = seededRandom(seed)
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n)
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]
  }

  private chance(p: number): boolean {
    return this.rand() < p
  }

  literal(): string {
    switch (this.int(6)) {
      case 0: return this.pick(NUMBERS)
      case 1: return this.pick(DURATIONS)
      case 2: return this.pick(TIMES)
      case 3: return this.pick(['true', 'false', 'null'])
      default: return JSON.stringify(this.pick(STRINGS))
    }
  }

  expr(depth: number): string {
    if (depth <= 0 || this.chance(0.25)) return this.chance(0.6) ? this.pick(FIELDS) : this.literal()
    switch (this.int(9)) {
      case 0: return `(${this.expr(depth - 1)})`
      case 1: return `not ${this.expr(depth - 1)}`
      case 2: return `-${this.expr(depth - 1)}`
      case 3: return `${this.expr(depth - 1)} ${this.chance(0.2) ? 'not ' : ''}in (${Array.from({ length: 1 + this.int(4) }, () => this.literal()).join(', ')})`
      case 4: return `${this.pick(FIELDS)} ${this.chance(0.3) ? 'not ' : ''}matches ${JSON.stringify(this.pick(PATTERNS))}`
      case 5: {
        const f = this.pick(FUNCTIONS)
        return `${f}(${Array.from({ length: this.int(3) }, () => this.expr(depth - 1)).join(', ')})`
      }
      default: {
        // Mostly parenthesised: comparisons do not chain, so bare ones would mostly not parse.
        const text = `${this.expr(depth - 1)} ${this.pick(BINARY)} ${this.expr(depth - 1)}`
        return this.chance(0.7) ? `(${text})` : text
      }
    }
  }

  private named(depth: number): string {
    return `${this.expr(depth)}${this.chance(0.3) ? ` as ${this.pick(['a', 'b', 'x.y', '`odd name`', 'count'])}` : ''}`
  }

  private list(make: () => string, most: number): string {
    return Array.from({ length: 1 + this.int(most) }, make).join(', ')
  }

  private source(): string {
    if (this.chance(0.05)) return `trace "${this.chance(0.5) ? '00000000000000000000000000000001' : 'xyz'}"`
    const signal = this.pick(['spans', 'spans', 'logs', 'metrics'])
    switch (this.int(6)) {
      case 0: return `${signal} last ${this.pick(DURATIONS)}`
      case 1: return `${signal} from ${this.pick(TIMES)}${this.chance(0.5) ? ` to ${this.pick(TIMES)}` : ''}`
      default: return signal
    }
  }

  stage(depth: number, joins: number): string {
    const d = 1 + this.int(depth)
    switch (this.int(joins > 0 ? 8 : 7)) {
      case 0: case 1: return `where ${this.expr(d)}`
      case 2: return `${this.pick(['select', 'extend'])} ${this.list(() => this.named(d), 3)}`
      case 3: return `sort ${this.list(() => `${this.expr(d)}${this.pick(['', ' asc', ' desc'])}`, 2)}`
      case 4: return `limit ${this.chance(0.8) ? this.pick(['0', '1', '10', '100000']) : this.pick(['100001', '-1', '1.5', 'x'])}`
      case 5: case 6: return `stats ${this.list(() => (this.chance(0.95) ? this.pick(AGGREGATES) : this.named(d)), 3)}${this.chance(0.6) ? ` by ${this.list(() => (this.chance(0.3) ? `bin(time, ${this.pick(DURATIONS)})` : this.named(1)), 2)}` : ''}`
      default: {
        const right = this.chance(0.5) ? this.pick(['spans', 'logs']) : `(${this.query(depth - 1, joins - 1)})`
        return `join ${this.pick(['', 'left ', 'inner '])}${right} as j on ${this.pick(['trace_id', 'trace_id, span_id', 'service.name', 'name = j.name', 'x'])}`
      }
    }
  }

  /** A well-formed-looking query (many still fail to plan: unknown fields, wrong types). */
  query(depth = 3, joins = 2): string {
    const stages = Array.from({ length: this.int(5) }, () => this.stage(depth, joins))
    return [this.source(), ...stages].join(' | ')
  }

  /** The text with a few characters dropped, repeated or replaced. */
  mutate(text: string): string {
    let out = text
    for (let k = 1 + this.int(4); k > 0 && out.length > 0; k--) {
      const at = this.int(out.length)
      const len = 1 + this.int(8)
      switch (this.int(3)) {
        case 0: out = out.slice(0, at) + out.slice(at + len); break
        case 1: out = out.slice(0, at) + out.slice(at, at + len).repeat(1 + this.int(50)) + out.slice(at); break
        default: out = out.slice(0, at) + this.bytes(len) + out.slice(at + len)
      }
    }
    return out
  }

  /** Random characters: printable, control, syntax and astral. */
  bytes(n: number): string {
    let s = ''
    for (let i = 0; i < n; i++) {
      const k = this.int(10)
      s += k < 5 ? String.fromCharCode(32 + this.int(95)) : k < 7 ? this.pick(['(', ')', '"', '`', '|', '\\', '#', '\n', '.', '-']) : k < 9 ? String.fromCharCode(this.int(0x3000)) : '😀'
    }
    return s
  }

  /** One fuzz case: a query, a mutated query, random bytes, or a deep or long one. */
  next(): string {
    const k = this.int(20)
    if (k < 11) return this.query()
    if (k < 16) return this.mutate(this.query())
    if (k < 18) return this.bytes(1 + this.int(200))
    if (k < 19) return `spans | where ${'('.repeat(this.int(20_000))}duration > 1${')'.repeat(this.int(20_000))}`
    return `spans | where ${Array.from({ length: 1 + this.int(400) }, () => this.expr(1)).join(this.pick([' or ', ' and ', ' + ']))}`
  }
}
