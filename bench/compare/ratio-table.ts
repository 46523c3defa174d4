/**
 * @module bench/compare/ratio-table
 * All systems on the same workload, one after another in one run: BlazeDB over HTTP
 * (blazedb-http.ts), DuckDB embedded (duckdb.ts), ClickHouse over HTTP (clickhouse.ts) and
 * VictoriaMetrics over HTTP (victoria-metrics.ts, Q9 and Q10). Every answer is checked against
 * the manifest; a peer that is not installed is skipped with the reason. The result is the
 * ratio table per query (medians, ms) followed by each system's own section.
 * Run alone: node bench/compare/ratio-table.ts [--workload DIR] [--runs N] [--small]
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fmt } from '../support/measure.ts'
import type { PeerResult } from './clickhouse.ts'
import { REFERENCE_QUERIES } from './duckdb-queries.ts'

const DEFAULT_RUNS = 10

interface System {
  label: string
  /** False for BlazeDB itself: the peers are the ones "best peer" chooses among. */
  peer: boolean
  run: (workloadDir: string, runs: number) => Promise<PeerResult>
}

const failed = (label: string, error: unknown): PeerResult => ({ skipped: `failed: ${(error as Error).message}`, markdown: `### ${label}\n\nFailed: ${(error as Error).message}`, figures: {} })

const SYSTEMS: System[] = [
  { label: 'BlazeDB', peer: false, run: async (dir, runs) => (await import('./blazedb-http.ts')).run({ workloadDir: dir, runs }) },
  {
    label: 'DuckDB',
    peer: true,
    run: async (dir, runs) => {
      // DuckDB's client installs separately (README.md); the module path is a variable so nothing loads it before.
      if (!existsSync(join(import.meta.dirname, 'node_modules/@duckdb/node-api'))) {
        const skipped = 'its client is not installed (`npm install --prefix bench/compare`)'
        return { skipped, markdown: `### DuckDB\n\nSkipped: ${skipped}.`, figures: {} }
      }
      const modulePath = './duckdb.ts'
      const duckdb = (await import(modulePath)) as { run: (o: { workloadDir: string; runs: number }) => Promise<Omit<PeerResult, 'skipped'>> }
      return duckdb.run({ workloadDir: dir, runs })
    },
  },
  { label: 'ClickHouse', peer: true, run: async (dir, runs) => (await import('./clickhouse.ts')).run({ workloadDir: dir, runs }) },
  { label: 'VictoriaMetrics', peer: true, run: async (dir, runs) => (await import('./victoria-metrics.ts')).run({ workloadDir: dir, runs }) },
]

/** Version words from a section's title, for the table's header ("DuckDB v1.5.2"). */
function titleOf(label: string, result: PeerResult): string {
  const m = new RegExp(`^### ${label} (v?[0-9][^ ]*)`).exec(result.markdown)
  return m === null ? label : `${label} ${m[1]}`
}

export async function run(options: { workloadDir: string; runs?: number; log?: (line: string) => void }): Promise<{ markdown: string; results: Record<string, PeerResult> }> {
  const runs = options.runs ?? DEFAULT_RUNS
  const results: Record<string, PeerResult> = {}
  for (const system of SYSTEMS) {
    options.log?.(`compare: ${system.label}`)
    try {
      results[system.label] = await system.run(options.workloadDir, runs)
    } catch (error) {
      results[system.label] = failed(system.label, error)
    }
  }
  const ms = (label: string, id: string): number | undefined => results[label].figures[`${id}.medianMs`]
  const cell = (v: number | undefined): string => (v === undefined ? '' : fmt(v, v < 10 ? 2 : 1))
  const peers = SYSTEMS.filter((s) => s.peer)
  const rows = REFERENCE_QUERIES.map((q) => {
    const own = ms('BlazeDB', q.id)
    const best = peers.map((p) => [p.label, ms(p.label, q.id)] as const).filter((e): e is readonly [string, number] => e[1] !== undefined).sort((a, b) => a[1] - b[1])[0]
    const ratio = own === undefined || best === undefined ? '' : `${fmt(own / best[1], 2)}x`
    return `| ${q.id} ${q.question} | ${SYSTEMS.map((s) => cell(ms(s.label, q.id))).join(' | ')} | ${best === undefined ? '' : `${cell(best[1])} (${best[0]})`} | ${ratio} |`
  })
  const skipped = SYSTEMS.filter((s) => results[s.label].skipped !== undefined).map((s) => `${s.label}: ${results[s.label].skipped}`)
  const markdown = [
    `### BlazeDB beside DuckDB, ClickHouse and VictoriaMetrics: reference queries Q1..Q10, median of ${runs} runs, ms`,
    '',
    `| query | ${SYSTEMS.map((s) => titleOf(s.label, results[s.label])).join(' | ')} | best peer | BlazeDB / best |`,
    `|---|${SYSTEMS.map(() => '---:').join('|')}|---|---:|`,
    ...rows,
    '',
    'One run, systems one after another on the same machine, every answer checked against the manifest first. BlazeDB, ClickHouse and ' +
      'VictoriaMetrics are servers queried over HTTP from this process (client-side time, JSON parsed); DuckDB runs embedded in it (no HTTP). ' +
      'VictoriaMetrics answers the metric queries (Q9, Q10) only. Below 1x BlazeDB is faster than the best peer.' +
      (skipped.length === 0 ? '' : ` Not measured: ${skipped.join('; ')}.`),
    '',
    ...SYSTEMS.flatMap((s) => [results[s.label].markdown, '']),
  ].join('\n')
  return { markdown, results }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, runs: { type: 'string' }, small: { type: 'boolean' } } })
  let workloadDir = values.workload
  if (workloadDir === undefined) {
    const { DEFAULT_SIZE, SMALL_SIZE, ensureWorkload } = await import('../support/workload.ts')
    workloadDir = ensureWorkload(values.small === true ? SMALL_SIZE : DEFAULT_SIZE)
  }
  const runs = values.runs === undefined ? undefined : Number(values.runs)
  console.log((await run({ workloadDir, runs, log: (l) => process.stderr.write(`${l}\n`) })).markdown)
}
