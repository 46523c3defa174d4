/**
 * A child process for the crash test: appends batches of 200 spans to the engine in `argv[2]`
 * as fast as it can, and prints `ack N` once batch N is acknowledged (durable). Batch N holds
 * a:seq values N*200 .. N*200+199. Small flushes make kills land in every phase.
 */
import { openEngine } from '../../storage/engine/engine.ts'
import { makeSpans, T0 } from './telemetry.ts'

const [dataDir, firstArg] = process.argv.slice(2)
const engine = await openEngine({ dataDir, password: 'crash', headFlushRows: 1500, headFlushIntervalMs: 50 })
process.stdout.write('ready\n')
let next = Number(firstArg)
const inflight = new Set<Promise<void>>()
for (;;) {
  const n = next++
  const batch = makeSpans(200, { start: T0 + BigInt(n) * 1_000_000_000n, firstSeq: n * 200, firstTrace: n * 50, seed: n })
  const p = engine.append('default', batch).then(() => {
    process.stdout.write(`ack ${n}\n`)
    inflight.delete(p)
  })
  inflight.add(p)
  // Up to four appends in flight, so group commit batches them.
  if (inflight.size >= 4) await Promise.race(inflight)
}
