/**
 * @module bench/snapshot-post
 * What handing a scan snapshot to a query thread costs the thread that takes appends: the
 * engine's head filled with the workload's spans as the gateway decodes them (column arrays in
 * shared memory, as its decoding threads make them), then, for a projection of a few columns
 * and for all columns, the time of `Store.snapshot` and of `postMessage` (which serialises the
 * message on the sending thread; shared arrays are not copied, strings and general values are).
 * Run alone: `node bench/snapshot-post.ts [--workload DIR] [--spans N]`.
 */
import { MessageChannel } from 'node:worker_threads'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openEngine, toSharedBatch } from '../storage/index.ts'
import { fmt, median } from './support/measure.ts'
import { DEFAULT_SIZE, ensureWorkload, otlpBatches } from './support/workload.ts'

export interface SnapshotPostFigures {
  headSpans: number
  headBatches: number
  /** Per projection: median ms of snapshot() and of postMessage(), and the message's string bytes. */
  projections: { name: string; columns: number; snapshotMs: number; postMs: number }[]
}

export async function run(options: { workloadDir: string; spans?: number; runs?: number }): Promise<{ figures: SnapshotPostFigures; markdown: string }> {
  const want = options.spans ?? 1_000_000
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-bench-snapshot-'))
  const engine = await openEngine({ dataDir: dir, password: 'bench', background: false, headFlushRows: 1 << 30, headFlushBytes: 1 << 30 })
  const { port1, port2 } = new MessageChannel()
  port2.on('message', () => {})
  try {
    let spans = 0
    let batches = 0
    for (const batch of otlpBatches(options.workloadDir, 'traces')) {
      if (spans >= want) break
      await engine.append('default', toSharedBatch(batch))
      spans += batch.length
      batches++
    }
    const projections = [
      { name: 'Q2 (service, name, start, end)', columns: ['r:service.name', 'a:service.name', 'name', 'startTimeUnixNano', 'endTimeUnixNano'] },
      { name: 'all columns', columns: undefined },
    ]
    const out: SnapshotPostFigures = { headSpans: spans, headBatches: batches, projections: [] }
    for (const p of projections) {
      const snap: number[] = []
      const post: number[] = []
      for (let i = 0; i < (options.runs ?? 5); i++) {
        let t = performance.now()
        const held = engine.snapshot({ tenant: 'default', signal: 'spans', columns: p.columns })
        snap.push(performance.now() - t)
        t = performance.now()
        port1.postMessage(held.snapshot)
        post.push(performance.now() - t)
        held.release()
        await new Promise((resolve) => setImmediate(resolve))
      }
      out.projections.push({ name: p.name, columns: p.columns?.length ?? 0, snapshotMs: median(snap), postMs: median(post) })
    }
    const markdown = [
      `### Handing a scan snapshot to a query thread (${fmt(spans)} spans in the head, ${fmt(batches)} batches as decoded by the gateway; median of ${options.runs ?? 5})`,
      '',
      '| columns | snapshot() ms | postMessage ms |',
      '|---|---:|---:|',
      ...out.projections.map((p) => `| ${p.name} | ${fmt(p.snapshotMs, 2)} | ${fmt(p.postMs, 2)} |`),
      '',
      'Both run on the thread that takes appends, once per query and scan. Column arrays are in shared memory and are not copied; what postMessage copies is the strings of dictionary columns and the general values (events, links) of the columns asked for.',
    ].join('\n')
    return { figures: out, markdown }
  } finally {
    port1.close()
    await engine.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, spans: { type: 'string' } } })
  const { markdown } = await run({ workloadDir: values.workload ?? ensureWorkload(DEFAULT_SIZE), spans: values.spans === undefined ? undefined : Number(values.spans) })
  console.log(markdown)
}
