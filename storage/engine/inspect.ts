/**
 * @module storage/engine/inspect
 * `blazedb inspect`: partitions, parts, blocks, rows, sizes and compression ratios of a data
 * directory, read without changing anything.
 */
import { openDataKey } from './data-key.ts'
import { partitionDirs } from './layout.ts'
import { Partition } from './partition.ts'
import type { Signal } from '../model.ts'
import type { PartIndex } from '../part/part-file.ts'

export interface PartitionReport {
  tenant: string
  signal: Signal
  start: bigint
  end: bigint
  dir: string
  parts: {
    file: string
    rows: number
    blocks: number
    /** Bytes on disk. */
    bytes: number
    /** Bytes of the encoded columns before compression and encryption. */
    rawBytes: number
    /** Bytes on disk per column, summed over blocks. */
    columns: Record<string, number>
  }[]
}

export async function inspectDataDir(dataDir: string, password: string): Promise<PartitionReport[]> {
  const key = await openDataKey(dataDir, password)
  const out: PartitionReport[] = []
  for (const { tenant, signal, dir } of partitionDirs(dataDir)) {
    const p = Partition.open(dir, tenant, signal, key, { readOnly: true })
    if (p === undefined) continue
    out.push({ tenant, signal, start: p.start, end: p.end, dir, parts: p.parts.map((h) => describePart(h.reader.path, h.reader.index)) })
    p.close()
  }
  return out
}

/** What `inspect` reports of one part. */
export function describePart(file: string, ix: PartIndex): PartitionReport['parts'][number] {
  const columns: Record<string, number> = {}
  let rawBytes = 0
  for (const b of ix.blocks) {
    for (const c of b.columns) {
      columns[c.name] = (columns[c.name] ?? 0) + c.length
      rawBytes += c.rawLength
    }
  }
  return { file, rows: ix.rows, blocks: ix.blocks.length, bytes: ix.fileBytes, rawBytes, columns }
}
