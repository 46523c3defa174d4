/**
 * @module bench/query-regex
 * `matches` patterns on log bodies: the engine a pattern gets (compilePattern: a RegExp for
 * the safe subset, RE2JS otherwise) against JavaScript's RegExp and RE2JS alone, in ns per
 * body, median of five runs. Bodies are made here (like the reference workload's log lines),
 * so this needs nothing outside the repository.
 * Run alone: node bench/query-regex.ts [--bodies N]
 */
import { parseArgs } from 'node:util'
import { RE2JS } from 're2js'
import { compilePattern } from '../query/index.ts'
import { fmt, median, timeRuns } from './support/measure.ts'

const PATTERNS = ['timeout', 'conn(ection)? reset', 'status=5\\d\\d', '^2026-11-01T00:00:1\\d', 'user=u(12|34|56)\\b', 'error|warn', '(?i)RESET', 'took \\d+ms']

function bodies(n: number): string[] {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      `2026-11-01T00:00:${String(i % 60).padStart(2, '0')}Z GET /api/cart/${i} took ${i % 500}ms status=${i % 7 === 0 ? 503 : 200} user=u${i % 991} ` +
        `${i % 13 === 0 ? 'connection reset by peer' : 'ok'} upstream ${i % 3 === 0 ? 'timeout' : 'done'}`,
    )
  }
  return out
}

export async function run(options: { bodies?: number } = {}): Promise<{ markdown: string }> {
  const texts = bodies(options.bodies ?? 50_000)
  const count = (test: (s: string) => boolean) => () => {
    let n = 0
    for (const t of texts) if (test(t)) n++
    return n
  }
  const lines = ['| pattern | engine chosen | chosen ns/body | RegExp ns/body | RE2JS ns/body |', '|---|---|---:|---:|---:|']
  for (const pattern of PATTERNS) {
    const chosen = compilePattern(pattern)
    const re2 = RE2JS.compile(pattern)
    const js = pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), 'iu') : new RegExp(pattern, 'u')
    const ns = async (test: (s: string) => boolean) => (median(await timeRuns(5, count(test))) * 1e6) / texts.length
    const [a, b, c] = [await ns((s) => chosen.test(s)), await ns((s) => js.test(s)), await ns((s) => re2.test(s))]
    lines.push(`| \`${pattern}\` | ${chosen.engine} | ${fmt(a)} | ${fmt(b)} | ${fmt(c)} |`)
  }
  return { markdown: lines.join('\n') }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { bodies: { type: 'string' } } })
  console.log((await run({ bodies: values.bodies === undefined ? undefined : Number(values.bodies) })).markdown)
}
