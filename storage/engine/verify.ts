/**
 * @module storage/engine/verify
 * `blazedb verify`: reads every byte of a data directory and checks every checksum and
 * authentication tag, without changing anything. Safe on a stopped server; on a running one,
 * files removed by compaction meanwhile are skipped.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from '../errors.ts'
import { replayWal } from '../wal/wal-replay.ts'
import { readRecentKeys, RECENT_KEYS_FILE } from '../wal/recent-keys-file.ts'
import { openDataKey } from './data-key.ts'
import { partitionDirs, WAL_DIR } from './layout.ts'
import { Partition } from './partition.ts'

export interface VerifyReport {
  partitions: number
  parts: number
  blocks: number
  chunks: number
  rows: number
  walRecords: number
  /** Bytes of an unfinished write at the end of the log (cut at the next open). */
  walTornBytes: number
  problems: { file: string; code: string; message: string }[]
}

/**
 * @example
 * const report = await verifyDataDir('./data', password)
 * if (report.problems.length > 0) process.exitCode = 1
 */
export async function verifyDataDir(dataDir: string, password: string): Promise<VerifyReport> {
  const key = await openDataKey(dataDir, password)
  const report: VerifyReport = { partitions: 0, parts: 0, blocks: 0, chunks: 0, rows: 0, walRecords: 0, walTornBytes: 0, problems: [] }
  const problem = (file: string, error: unknown): void => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    const code = error instanceof StorageError ? error.code : 'IO'
    report.problems.push({ file, code, message: (error as Error).message })
  }
  for (const { tenant, signal, dir } of partitionDirs(dataDir)) {
    let partition: Partition | undefined
    try {
      partition = Partition.open(dir, tenant, signal, key, { readOnly: true })
    } catch (error) {
      problem(dir, error)
      continue
    }
    if (partition === undefined) continue
    report.partitions++
    for (const handle of partition.parts) {
      const reader = handle.reader
      report.parts++
      reader.index.blocks.forEach((block, b) => {
        report.blocks++
        report.rows += block.rows
        for (const chunk of block.columns) {
          try {
            reader.readColumn(b, chunk.name)
            report.chunks++
          } catch (error) {
            problem(reader.path, error)
          }
        }
      })
    }
    partition.close()
  }
  const walDir = join(dataDir, WAL_DIR)
  if (existsSync(walDir)) {
    try {
      const result = replayWal(walDir, key, () => report.walRecords++, { repair: false })
      report.walTornBytes = result.tornBytes
    } catch (error) {
      problem(walDir, error)
    }
    try {
      readRecentKeys(walDir, key)
    } catch (error) {
      problem(join(walDir, RECENT_KEYS_FILE), error)
    }
  }
  return report
}
