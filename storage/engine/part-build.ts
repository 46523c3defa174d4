/**
 * @module storage/engine/part-build
 * Building one part file: from head batches (a flush) or from other parts (a compaction),
 * rows put in storage order, then written. Pure work on files and memory, so it can run on a
 * worker thread (part-worker.ts) or inline.
 */
import { ConcatenatedRows } from '../concatenated-rows.ts'
import type { Batch, Column, Signal } from '../model.ts'
import { PartReader, writePart, type WritePartOptions } from '../part/part-file.ts'
import { BLOCK_ROWS } from '../limits.ts'
import { storageOrder } from './row-order.ts'

export type PartJob =
  | { kind: 'flush'; path: string; signal: Signal; batches: Batch[]; options: WritePartOptions }
  | { kind: 'compact'; path: string; signal: Signal; inputs: string[]; options: WritePartOptions }

/** Every row of the part at `path`, one batch per block. */
function readPart(path: string, key: Uint8Array, signal: Signal): Batch[] {
  const reader = PartReader.open(path, key)
  try {
    return reader.index.blocks.map((block, b) => {
      const columns: Record<string, Column> = {}
      for (const ref of block.columns) {
        const column = reader.readColumn(b, ref.name)
        if (column !== undefined) columns[ref.name] = column
      }
      return { signal, length: block.rows, columns }
    })
  } finally {
    reader.close()
  }
}

/**
 * Builds and durably writes the part a job describes. Memory: the source rows, their string
 * codes concatenated, a few 32-bit words a row for the order, and one block at a time in
 * storage order, gathered straight from the sources.
 */
export async function buildPart(job: PartJob): Promise<void> {
  const sources = job.kind === 'flush' ? job.batches : job.inputs.flatMap((path) => readPart(path, job.options.key, job.signal))
  if (job.kind === 'flush') job.batches = []
  const rows = new ConcatenatedRows(job.signal, sources)
  await writePart(job.path, rows.blocks(storageOrder(job.signal, sources), BLOCK_ROWS), job.options)
}
