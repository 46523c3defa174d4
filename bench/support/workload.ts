/**
 * @module bench/support/workload
 * The reference workload (../shared/workload) for benchmarks: generated once into
 * bench/.work/<size>, then read from there.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { OtlpDecoder, type OtlpSignal } from '../../ingest/index.ts'
import type { Batch } from '../../storage/index.ts'

export const GENERATOR = resolve(import.meta.dirname, '../../../shared/workload/gen.mjs')

export interface WorkloadSize {
  spans: number
  logs: number
  series: number
  points: number
}

export const DEFAULT_SIZE: WorkloadSize = { spans: 1_000_000, logs: 1_000_000, series: 2000, points: 240 }
export const SMALL_SIZE: WorkloadSize = { spans: 20_000, logs: 20_000, series: 400, points: 40 }

/** The directory of a workload of `size`, generating it when absent. */
export function ensureWorkload(size: WorkloadSize, root = resolve(import.meta.dirname, '../.work')): string {
  const dir = join(root, `workload-${size.spans}-${size.logs}-${size.series}-${size.points}`)
  if (!existsSync(join(dir, 'manifest.json'))) {
    process.stderr.write(`generating the reference workload into ${dir}\n`)
    const args = [GENERATOR, '--out', dir, '--spans', String(size.spans), '--logs', String(size.logs), '--series', String(size.series), '--points', String(size.points), '--quiet']
    execFileSync(process.execPath, args, { stdio: 'inherit' })
  }
  return dir
}

export interface Manifest {
  counts: { spans: number; logs: number; points: number; series: number }
  fixed: Record<string, unknown>
  expected: Record<string, unknown>
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
}

const FILE_PREFIX: Record<OtlpSignal, string> = { traces: 'traces-', logs: 'logs-', metrics: 'metrics-' }

/** The OTLP protobuf request bodies of one signal, in order. */
export function otlpBodies(dir: string, signal: OtlpSignal): Buffer[] {
  const otlp = join(dir, 'otlp')
  return readdirSync(otlp)
    .filter((f) => f.startsWith(FILE_PREFIX[signal]) && f.endsWith('.pb'))
    .sort()
    .map((f) => readFileSync(join(otlp, f)))
}

/** The workload's batches of one signal, decoded as the gateway decodes them. */
export function otlpBatches(dir: string, signal: OtlpSignal): Batch[] {
  const decoder = new OtlpDecoder()
  return otlpBodies(dir, signal).map((body) => decoder.decode(signal, 'protobuf', body).batch)
}
