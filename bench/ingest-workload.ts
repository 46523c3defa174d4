/**
 * @module bench/ingest-workload
 * What the ingest benchmarks share: the reference workload's otlp/*.pb batches (generated into
 * bench/.work when no folder is given) and the command-line flags.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OtlpSignal } from '../ingest/index.ts'

export const SIGNALS: readonly OtlpSignal[] = ['traces', 'logs', 'metrics']

/** Default workload when none is given: big enough for steady state, made in seconds. */
const DEFAULT_DIR = join(import.meta.dirname, '.work', 'workload')
const DEFAULT_ARGS = ['--spans', '100000', '--logs', '100000', '--series', '400', '--points', '100', '--quiet']

/** The workload folder of `--workload DIR`, or a generated default one. */
export function workloadFromArgs(argv: readonly string[]): string {
  const at = argv.indexOf('--workload')
  if (at >= 0 && argv[at + 1] !== undefined) return argv[at + 1]
  if (!existsSync(join(DEFAULT_DIR, 'manifest.json'))) {
    execFileSync(process.execPath, [join(import.meta.dirname, '../../shared/workload/gen.mjs'), '--out', DEFAULT_DIR, ...DEFAULT_ARGS], { stdio: 'inherit' })
  }
  return DEFAULT_DIR
}

/** The protobuf request bodies of one signal, in order. */
export function loadBatches(workloadDir: string, signal: OtlpSignal): Buffer[] {
  const dir = join(workloadDir, 'otlp')
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${signal}-`) && name.endsWith('.pb'))
    .sort()
    .map((name) => readFileSync(join(dir, name)))
}

/** Prints a result object as aligned lines. */
export function printFigures(title: string, figures: Record<string, unknown>): void {
  console.log(title)
  for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(36)} ${typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : JSON.stringify(value)}`)
}
