/**
 * @module storage/engine/lock
 * One process per data directory: a LOCK file holding the owner's pid. A lock left by a
 * process that no longer runs (killed) is taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { StorageError } from '../errors.ts'

export const LOCK_FILE = 'LOCK'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function acquireLock(dataDir: string): void {
  const path = join(dataDir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' })
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const owner = Number(readFileSync(path, 'utf8').trim())
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
      throw new StorageError('INVALID_ARGUMENT', `cannot open ${dataDir}: it is in use by process ${owner}`, { file: path })
    }
    rmSync(path, { force: true })
  }
  throw new StorageError('IO', `cannot lock ${dataDir}`)
}

export function releaseLock(dataDir: string): void {
  rmSync(join(dataDir, LOCK_FILE), { force: true })
}
