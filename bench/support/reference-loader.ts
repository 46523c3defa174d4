/**
 * @module bench/support/reference-loader
 * Generates the reference workload (shared/workload/gen.mjs) into a directory and loads it
 * into a Store: from its NDJSON files as storage batches, or from its OTLP files through the
 * ingest decoder, for bench/query-reference.ts. Tests use the repository's own workload
 * (workload/index.ts) instead.
 */
import { execFile } from 'node:child_process'
import { createReadStream, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import { OtlpDecoder, type OtlpSignal } from '../../ingest/index.ts'
import { DEFAULT_TENANT, type Signal, type Store } from '../../storage/index.ts'
import { WorkloadBatcher } from './reference-batches.ts'
import { GENERATOR } from './workload.ts'

/** The generator; WORKLOAD_GEN overrides where it lives. */
export const WORKLOAD_GEN = process.env.WORKLOAD_GEN ?? GENERATOR

/** The size tests use: about a second to generate, with counters and histograms present. */
const SMALL_ARGS = ['--spans', '20000', '--logs', '20000', '--series', '400', '--points', '40']

/** What manifest.json holds that tests read; `expected` has the answers of Q1..Q10. */
export interface Manifest {
  window: { start_unix_nano: string; end_unix_nano: string }
  counts: Record<string, unknown>
  fixed: { slow_trace_id: string; error_service: string; cumulative_start_unix_nano: string } & Record<string, unknown>
  expected: Record<string, Record<string, unknown>>
}

/** Runs the generator with `args` (sizes) into `dir` and returns its manifest. */
export async function generateWorkload(dir: string, args: readonly string[] = SMALL_ARGS): Promise<Manifest> {
  await promisify(execFile)(process.execPath, [WORKLOAD_GEN, '--out', dir, ...args, '--quiet'], { maxBuffer: 16 * 1024 * 1024 })
  return readManifest(dir)
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
}

const FILES: Record<Signal, string> = { spans: 'spans.ndjson', logs: 'logs.ndjson', metrics: 'points.ndjson' }

/** The Store signal of each OTLP file prefix in the workload's otlp/ folder. */
const OTLP: Record<OtlpSignal, Signal> = { traces: 'spans', logs: 'logs', metrics: 'metrics' }

/**
 * Appends the workload's OTLP protobuf batches to `store`, decoded as the gateway decodes
 * them (so queries run on exactly what ingest stores).
 * @example await loadWorkloadOtlp(store, dir)
 */
export async function loadWorkloadOtlp(store: Store, dir: string, tenant = DEFAULT_TENANT): Promise<Record<Signal, number>> {
  const decoder = new OtlpDecoder()
  const counts: Record<Signal, number> = { spans: 0, logs: 0, metrics: 0 }
  const files = readdirSync(join(dir, 'otlp')).filter((f) => f.endsWith('.pb')).sort()
  for (const [prefix, signal] of Object.entries(OTLP) as [OtlpSignal, Signal][]) {
    for (const file of files.filter((f) => f.startsWith(`${prefix}-`))) {
      const { batch } = decoder.decode(prefix, 'protobuf', readFileSync(join(dir, 'otlp', file)))
      counts[signal] += batch.length
      await store.append(tenant, batch)
    }
  }
  return counts
}

/**
 * Appends the workload's NDJSON records to `store`, `batchRows` records a batch.
 * @example await loadWorkload(store, dir, manifest, { batchRows: 2_000 })
 */
export async function loadWorkload(store: Store, dir: string, manifest: Manifest, options: { batchRows?: number; tenant?: string } = {}): Promise<Record<Signal, number>> {
  const tenant = options.tenant ?? DEFAULT_TENANT
  const counts: Record<Signal, number> = { spans: 0, logs: 0, metrics: 0 }
  for (const signal of ['spans', 'logs', 'metrics'] as const) {
    const batcher = new WorkloadBatcher(signal, options.batchRows ?? 10_000, BigInt(manifest.fixed.cumulative_start_unix_nano))
    const lines = createInterface({ input: createReadStream(join(dir, FILES[signal])), crlfDelay: Infinity })
    for await (const line of lines) {
      if (line === '') continue
      const batch = batcher.add(JSON.parse(line))
      counts[signal]++
      if (batch !== undefined) await store.append(tenant, batch)
    }
    const rest = batcher.flush()
    if (rest !== undefined) await store.append(tenant, rest)
  }
  return counts
}
