/**
 * @module test/differential/pairs
 * Reads the paired questions (`*.pairs` beside this file): one pair a line,
 * `<BlazeDB query> ;; <SQL>`, `#` comments. `{a|b|c}` groups expand a line into one pair per
 * alternative: the k-th group of the query goes with the k-th group of the SQL, and a line
 * with several groups expands to every combination; `{#k}` in the SQL repeats the alternative
 * taken for its k-th group. `@start`, `@mid` (five minutes and 123,456,789 ns in) and `@end`
 * are times of the window, RFC 3339 in the query and epoch ns in the SQL; `@slow` is the slow
 * trace's id. An answer is compared in order when the SQL ends with an ORDER BY clause (which
 * must then order totally), as a multiset otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Pair {
  readonly query: string
  readonly sql: string
  readonly ordered: boolean
  /** file:line the pair came from. */
  readonly where: string
}

const GROUP = /\{([^{}]*\|[^{}]*)\}/g

function groups(text: string): string[][] {
  return [...text.matchAll(GROUP)].map((m) => m[1].split('|'))
}

function fill(text: string, choice: readonly string[]): string {
  let k = 0
  return text.replace(GROUP, () => choice[k++])
}

/** Every combination of one alternative per group. */
function combinations(sizes: readonly number[]): number[][] {
  let out: number[][] = [[]]
  for (const n of sizes) out = out.flatMap((c) => Array.from({ length: n }, (_, i) => [...c, i]))
  return out
}

export function parsePairs(text: string, file: string): Pair[] {
  const out: Pair[] = []
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const at = line.indexOf(' ;; ')
    if (at < 0) throw new Error(`${file}:${i + 1}: expected "<query> ;; <sql>"`)
    const [query, sql] = [line.slice(0, at).trim(), line.slice(at + 4).trim()]
    const [gq, gs] = [groups(query), groups(sql)]
    if (gq.length !== gs.length || gq.some((g, k) => g.length !== gs[k].length)) throw new Error(`${file}:${i + 1}: the {a|b} groups of the query and the SQL differ`)
    for (const c of combinations(gq.map((g) => g.length))) {
      const s = fill(sql, c.map((x, k) => gs[k][x])).replace(/\{#(\d+)\}/g, (_m, k: string) => gs[Number(k) - 1][c[Number(k) - 1]])
      out.push({ query: fill(query, c.map((x, k) => gq[k][x])), sql: s, ordered: /\border by [^()]*$/i.test(s), where: `${file}:${i + 1}` })
    }
  })
  return out
}

/** The values `@start`, `@mid`, `@end`, `@slow` stand for. */
export interface Placeholders {
  readonly start: bigint
  readonly end: bigint
  readonly slowTraceId: string
}

const MID_OFFSET = 300_123_456_789n

function substitute(text: string, p: Placeholders, time: (ns: bigint) => string): string {
  return text.replace(/@(start|mid|end|slow)\b/g, (_m, name: string) => {
    if (name === 'slow') return p.slowTraceId
    return time(name === 'start' ? p.start : name === 'end' ? p.end : p.start + MID_OFFSET)
  })
}

/**
 * Every pair of every `.pairs` file in this folder, placeholders filled in.
 * @example loadPairs({ start, end, slowTraceId }, formatTime)
 */
export function loadPairs(p: Placeholders, formatTime: (ns: bigint) => string, dir = import.meta.dirname): Pair[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pairs'))
    .sort()
    .flatMap((f) => parsePairs(readFileSync(join(dir, f), 'utf8'), f))
    .map((pair) => ({ ...pair, query: substitute(pair.query, p, formatTime), sql: substitute(pair.sql, p, String) }))
}
