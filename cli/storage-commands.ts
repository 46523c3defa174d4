/**
 * @module cli/storage-commands
 * `blazedb verify`, `blazedb vacuum` and `blazedb inspect`: maintenance of a data directory.
 */
import { inspectDataDir, verifyDataDir } from '../storage/index.ts'
import type { Config } from './config.ts'
import { openStore, resolvePassword } from './open-store.ts'

const out = (line: string): void => void process.stdout.write(line + '\n')
const err = (line: string): void => void process.stderr.write(line + '\n')

/** Checks every checksum and tag; exit code 1 when anything is wrong. */
export async function runVerify(config: Config): Promise<number> {
  const report = await verifyDataDir(config.dataDir, await resolvePassword(config, err))
  out(`verified ${config.dataDir}: ${report.partitions} partitions, ${report.parts} parts, ${report.blocks} blocks, ${report.chunks} column chunks, ${report.rows} rows; ${report.walRecords} write-ahead log records`)
  if (report.walTornBytes > 0) out(`note: the write-ahead log ends in an unfinished write of ${report.walTornBytes} bytes (from a crash); it is cut at the next start`)
  for (const p of report.problems) out(`PROBLEM ${p.code} ${p.file}: ${p.message}`)
  out(report.problems.length === 0 ? 'ok: every checksum and authentication tag verified' : `${report.problems.length} problems found`)
  return report.problems.length === 0 ? 0 : 1
}

/** Flushes the head and compacts every partition into one part. Needs the server stopped. */
export async function runVacuum(config: Config): Promise<number> {
  const engine = await openStore(config, err)
  const before = engine.partitionsInfo().reduce((n, p) => n + p.parts.length, 0)
  await engine.compact()
  const after = engine.partitionsInfo().reduce((n, p) => n + p.parts.length, 0)
  await engine.close()
  out(`vacuumed ${config.dataDir}: ${before} parts before, ${after} after`)
  return 0
}

/** Prints partitions, parts, blocks, sizes and compression ratios (--json for machines). */
export async function runInspect(config: Config, json: boolean): Promise<number> {
  const partitions = await inspectDataDir(config.dataDir, await resolvePassword(config, err))
  if (json) {
    out(JSON.stringify(partitions, (_, v) => (typeof v === 'bigint' ? String(v) : v), 2))
    return 0
  }
  let total = 0
  for (const p of partitions) {
    const rows = p.parts.reduce((n, x) => n + x.rows, 0)
    const bytes = p.parts.reduce((n, x) => n + x.bytes, 0)
    const raw = p.parts.reduce((n, x) => n + x.rawBytes, 0)
    total += bytes
    const start = new Date(Number(p.start / 1_000_000n)).toISOString()
    out(`${p.tenant} ${p.signal} ${start} ${p.parts.length} parts ${rows} rows ${bytes} bytes ${(bytes / Math.max(rows, 1)).toFixed(2)} B/row ratio ${(raw / Math.max(bytes, 1)).toFixed(2)}x`)
    for (const part of p.parts) out(`  ${part.file}: ${part.blocks} blocks ${part.rows} rows ${part.bytes} bytes`)
  }
  out(`${partitions.length} partitions, ${total} bytes`)
  return 0
}
