/**
 * @module storage/engine/lock
 * One process per data directory, held by a listening Unix socket that the kernel closes the
 * moment the holder dies: no pid to trust, so a zombie (killed, not yet reaped) or a pid reused
 * after a reboot cannot block a start.
 *
 * On Linux the socket lives in the abstract namespace, named from a hash of the directory's
 * real path: nothing on disk, gone with the process. (Abstract names are per network
 * namespace: two containers that share a volume but not a network namespace do not see each
 * other's lock.) Elsewhere it is a socket file `LOCK.sock` in the directory; a bind that finds
 * it taken connects to it, and a refused connection means its holder died, so the file is
 * removed and bound again.
 *
 * The LOCK file holds the holder's pid for people reading the directory; it is never trusted.
 */
import { createHash } from 'node:crypto'
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { StorageError } from '../errors.ts'

export const LOCK_FILE = 'LOCK'
export const LOCK_SOCKET_FILE = 'LOCK.sock'

/** A held lock; `release` closes the socket (and removes the files it wrote). */
export interface DataDirLock {
  release(): Promise<void>
}

/** The socket address that stands for `dataDir`. */
export function lockAddress(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  const real = realpathSync(dataDir)
  if (platform === 'linux') return `\0blazedb-lock-${createHash('sha256').update(real).digest('hex').slice(0, 40)}`
  return join(real, LOCK_SOCKET_FILE)
}

function listen(address: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy())
    server.once('error', reject)
    server.listen({ path: address, exclusive: true }, () => {
      server.off('error', reject)
      // The lock must never keep the process alive on its own.
      server.unref()
      resolve(server)
    })
  })
}

/** True when something listens on the socket file at `path`. */
function answered(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

function inUse(dataDir: string, cause: unknown): StorageError {
  let holder = ''
  try {
    const pid = Number(readFileSync(join(dataDir, LOCK_FILE), 'utf8').trim())
    if (Number.isInteger(pid) && pid > 0) holder = ` (process ${pid})`
  } catch {
    // No LOCK file: the holder has not written it yet.
  }
  return new StorageError('IN_USE', `cannot open ${dataDir}: it is in use by another running BlazeDB process${holder}`, { file: dataDir, cause })
}

/**
 * Takes the lock of `dataDir` (which must exist), or throws StorageError IN_USE when a live
 * process holds it.
 * @example const lock = await acquireLock('/var/lib/blazedb/data'); ...; await lock.release()
 */
export async function acquireLock(dataDir: string, platform: NodeJS.Platform = process.platform): Promise<DataDirLock> {
  const address = lockAddress(dataDir, platform)
  let server: Server
  try {
    server = await listen(address)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw new StorageError('IO', `cannot lock ${dataDir}: ${(error as Error).message}`, { cause: error })
    if (address.startsWith('\0') || (await answered(address))) throw inUse(dataDir, error)
    // A socket file whose holder died: nobody answers on it.
    rmSync(address, { force: true })
    try {
      server = await listen(address)
    } catch (again) {
      throw inUse(dataDir, again)
    }
  }
  const pidFile = join(dataDir, LOCK_FILE)
  writeFileSync(pidFile, `${process.pid}\n`)
  let released = false
  return {
    async release() {
      if (released) return
      released = true
      rmSync(pidFile, { force: true })
      // A socket file is removed by close() itself (Node unlinks the path it bound).
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
