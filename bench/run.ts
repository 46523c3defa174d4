/**
 * @module bench/run
 * `npm run bench`: every benchmark on the reference workload, one after another in one process
 * (so ratios are measured side by side), written to bench/RESULTS.md with the date, the machine
 * and the command.
 *
 *   npm run bench                       default workload (1M spans, 1M logs, 480k points)
 *   npm run bench -- --small            the small workload (seconds, for a quick look)
 *   npm run bench -- --only codec,storage   only these; the other sections of RESULTS.md stay
 *   npm run bench -- --only compare --out /tmp/compare.md   write elsewhere, RESULTS.md untouched
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, freemem, platform, release, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { tuneServerRuntime } from '../cli/runtime.ts'
import type { Engine, Store } from '../storage/index.ts'
import type { BenchFigures } from './query-reference.ts'
import { fmt } from './support/measure.ts'
import { mergeResults, type BenchSection } from './support/results-file.ts'
import { DEFAULT_SIZE, SMALL_SIZE, ensureWorkload, type WorkloadSize } from './support/workload.ts'

type Figures = Record<string, unknown>

/** A table of a benchmark's named figures, for benchmarks that return numbers only. */
function figuresTable(title: string, figures: Figures): string {
  const rows: string[] = []
  const walk = (prefix: string, value: unknown): void => {
    if (typeof value === 'number') rows.push(`| ${prefix} | ${fmt(value, value < 100 ? 2 : 0)} |`)
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(prefix === '' ? k : `${prefix}.${k}`, v)
    else if (typeof value === 'string') rows.push(`| ${prefix} | ${value} |`)
  }
  walk('', figures)
  return [`### ${title}`, '', '| figure | value |', '|---|---:|', ...rows].join('\n')
}

interface Bench {
  name: string
  run: (workloadDir: string, runs: number) => Promise<string>
}

const BENCHES: Bench[] = [
  { name: 'codec', run: async (dir, runs) => (await import('./codec.ts')).run({ workloadDir: dir, runs: Math.max(runs, 5) }).then((r) => r.markdown) },
  { name: 'storage', run: async (dir, runs) => (await import('./storage.ts')).run({ workloadDir: dir, runs }).then((r) => r.markdown) },
  {
    name: 'ingest-decode',
    run: async (dir) => figuresTable('OTLP decoding: BlazeDB decoder vs protobufjs (records/s; medians of 5 rounds in which the two decoders take turns, speedup the median of the rounds\' ratios)', await (await import('./ingest-decode.ts')).run({ workloadDir: dir })),
  },
  {
    name: 'ingest-http',
    run: async (dir, runs) => {
      // Sustained load: long enough for several flushes and compactions to run alongside the appends.
      const seconds = 20
      const bench = await import('./ingest-http.ts')
      const figures = await bench.run({ workloadDir: dir, engine: true, runs, seconds, processPerSignal: true })
      // The 1 GiB floor: one real server taking every signal at once.
      const together = await bench.run({ workloadDir: dir, serve: true, together: true, seconds })
      return [
        figuresTable(`OTLP ingest into the storage engine, load generator in a child process sending for ${seconds} s, each run of each transport and signal in a server process of its own (median of ${runs} runs; peakRssMiB: the largest of those processes)`, figures),
        figuresTable(`Every signal at once at full speed into one \`blazedb serve\` process over OTLP/HTTP for ${seconds} s (a generator per signal; peakRssMiB: the server's, floor 1,024)`, together),
      ].join('\n\n')
    },
  },
  { name: 'mixed', run: async (dir) => (await (await import('./mixed.ts')).run({ workloadDir: dir })).markdown },
  // Memory under live traffic and a dashboard: 3 minutes here; `node bench/soak.ts --minutes 30` for the long run.
  { name: 'soak', run: async (dir) => (await (await import('./soak.ts')).run({ workloadDir: dir, minutes: 3 })).markdown },
  {
    name: 'alerts',
    run: async (dir, runs) => figuresTable('500 alert rules over the workload: evaluation per 10 s interval, and OTLP/HTTP span ingest alone and while the rules evaluate (bench/alerts.ts)', await (await import('./alerts.ts')).run({ workloadDir: dir, runs })),
  },
  { name: 'query', run: async (dir, runs) => queryMarkdown(await (await import('./query-reference.ts')).run({ ...onDiskEngine, sizes: sizeOf(dir), runs: Math.max(runs, 10) })) },
  {
    name: 'ui',
    run: async (dir, runs) => {
      const f = await (await import('./ui-dashboard.ts')).run({ workloadDir: dir, runs })
      const title = 'Web UI: the overview dashboard over the workload hour in chromium, navigation to last panel drawn (ms; cold: a new browser context, warm: a reload; floor 1.5 s cold)'
      return typeof f === 'string' ? `### ${title}\n\n${f}` : figuresTable(title, { ...f, coldWithinFloor: f.coldWithinFloor ? 'yes' : 'no' })
    },
  },
  {
    name: 'compare',
    // BlazeDB over HTTP beside DuckDB, ClickHouse and VictoriaMetrics; a peer not installed is skipped, saying so.
    run: async (dir, runs) => {
      // A variable path: bench/compare is type-checked on its own (its DuckDB client installs there).
      const modulePath = './compare/ratio-table.ts'
      const compare = (await import(modulePath)) as { run: (o: { workloadDir: string; runs: number; log: (l: string) => void }) => Promise<{ markdown: string }> }
      return (await compare.run({ workloadDir: dir, runs: Math.max(runs, 10), log: (l) => process.stderr.write(`${l}\n`) })).markdown
    },
  },
]

/** The query benchmark on the on-disk engine, loaded through the OTLP decoder, flushed and compacted. */
const onDiskEngine = {
  storeFactory: async () => (await import('./support/temp-engine.ts')).openTempEngine(),
  afterLoad: (store: Store) => (store as Engine).compact(),
}

/** The workload size encoded in a workload directory's name. */
function sizeOf(dir: string): WorkloadSize {
  const [spans, logs, series, points] = (dir.split('/').pop() ?? '').split('-').slice(1).map(Number)
  return { spans, logs, series, points }
}

function queryMarkdown(figures: BenchFigures): string {
  return [
    `### Reference queries Q1..Q10 on the storage engine (${fmt(figures.sizes.spans)} spans, ${fmt(figures.sizes.logs)} log records, ${fmt(figures.sizes.series * figures.sizes.points)} points; loaded over the OTLP decoder in ${fmt(figures.loadMs / 1000, 1)} s, then flushed and compacted)`,
    '',
    '| query | median ms | p95 ms | CPU ms | rows scanned | blocks skipped | floor ms | |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...figures.queries.map((q) => `| ${q.id} | ${fmt(q.medianMs, 1)} | ${fmt(q.p95Ms, 1)} | ${fmt(q.medianCpuMs, 1)} | ${fmt(q.rowsScanned)} | ${q.blocksSkipped}/${q.blocksTotal} | ${q.floorMs} | ${q.withinFloor ? 'ok' : 'MISSED'} |`),
    '',
    'Queries as written in test/support/workload-queries.ts; the bench checks answers against the manifest; test/query-reference.test.ts checks them on the repository workload (workload/). "trace" is a trace lookup by id (a tree of 54 spans).',
  ].join('\n')
}

/**
 * Each benchmark runs in a child process of its own, one after another: a fresh heap, so that
 * one benchmark's data (gigabytes at the default size) cannot slow the next one's garbage
 * collection or count in its peak memory.
 */
function runChild(name: string, workloadDir: string, runs: number): string {
  const out = join(tmpdir(), `blazedb-bench-${process.pid}-${name}.md`)
  try {
    execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', name, '--workload', workloadDir, '--runs', String(runs), '--out', out], { stdio: 'inherit' })
    return readFileSync(out, 'utf8')
  } catch (error) {
    return `### ${name}\n\nFailed: ${(error as Error).message}`
  } finally {
    rmSync(out, { force: true })
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { small: { type: 'boolean' }, only: { type: 'string' }, runs: { type: 'string' }, workload: { type: 'string' }, child: { type: 'string' }, out: { type: 'string' } },
  })
  const runs = values.runs === undefined ? 3 : Number(values.runs)
  if (values.child !== undefined) {
    // Each benchmark's process runs as `blazedb serve` would (cli/runtime.ts).
    tuneServerRuntime()
    const bench = BENCHES.find((b) => b.name === values.child)
    if (bench === undefined || values.workload === undefined || values.out === undefined) throw new Error(`unknown child benchmark ${values.child}`)
    writeFileSync(values.out, await bench.run(values.workload, runs))
    return
  }
  const size: WorkloadSize = values.small === true ? SMALL_SIZE : DEFAULT_SIZE
  const workloadDir = values.workload ?? ensureWorkload(size)
  const only = values.only?.split(',')
  const sections: BenchSection[] = []
  for (const bench of BENCHES) {
    if (only !== undefined && !only.includes(bench.name)) continue
    process.stderr.write(`bench: ${bench.name}\n`)
    sections.push({ name: bench.name, markdown: runChild(bench.name, workloadDir, runs) })
  }
  const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`
  const cpu = cpus()
  const header = [
    '# Benchmark results',
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB memory (${fmt(freemem() / 2 ** 30, 1)} GiB free at start), ${platform()} ${release()}`,
    `- runtime: Node.js ${process.version}`,
    `- command of the last run: \`${command}\` (each section says when and how it was measured)`,
    `- workload: ${workloadDir.split('/').pop()} (../shared/workload, seed 42)`,
    '',
    'Figures are medians of several runs unless a table says otherwise. Each benchmark runs in a',
    'process of its own. The machine is shared and has 2 cores: compare ratios measured side by',
    'side in one run rather than absolute times.',
    '',
  ].join('\n')
  // --out writes a fresh file elsewhere; otherwise RESULTS.md keeps the regions not run now.
  const out = values.out ?? join(import.meta.dirname, 'RESULTS.md')
  const existing = values.out === undefined && existsSync(out) ? readFileSync(out, 'utf8') : ''
  const measured = `measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`${command}\``
  writeFileSync(out, mergeResults(existing, header, sections, measured))
  process.stderr.write(`bench: wrote ${out}\n`)
}

if (import.meta.main) await main()
