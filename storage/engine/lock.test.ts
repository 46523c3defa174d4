/**
 * The data directory lock in one process: a second holder is refused, a released lock is free
 * again, a LOCK file naming any pid is ignored, and the socket-file form used off Linux takes
 * over a file left by a dead holder. Killed and unreaped holders: test/data-dir-lock.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { StorageError } from '../errors.ts'
import { acquireLock, LOCK_FILE, LOCK_SOCKET_FILE } from './lock.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-lock-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe.each(['linux', 'darwin'] as const)('data directory lock (%s form)', (platform) => {
  it.skipIf(platform === 'linux' && process.platform !== 'linux')('refuses a second holder until the first releases', async () => {
    const dir = tempDir()
    const lock = await acquireLock(dir, platform)
    const refused = await acquireLock(dir, platform).then(() => undefined, (e: unknown) => e)
    expect(refused).toBeInstanceOf(StorageError)
    expect((refused as StorageError).code).toBe('IN_USE')
    expect((refused as StorageError).message).toBe(`cannot open ${dir}: it is in use by another running BlazeDB process (process ${process.pid})`)
    await lock.release()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
    const again = await acquireLock(dir, platform)
    await again.release()
  })

  it.skipIf(platform === 'linux' && process.platform !== 'linux')('ignores a LOCK file naming a live process', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, LOCK_FILE), '1\n')
    const lock = await acquireLock(dir, platform)
    await lock.release()
  })
})

describe('socket file form', () => {
  it('takes over a socket file left by a killed holder, nobody answering on it', async () => {
    const dir = tempDir()
    const path = join(dir, LOCK_SOCKET_FILE)
    // A holder killed with SIGKILL leaves its socket file behind.
    const holder = spawn(process.execPath, ['-e', "require('node:net').createServer().listen(process.argv[1], () => console.log('ready'))", path], { stdio: ['ignore', 'pipe', 'inherit'] })
    await new Promise<void>((done) => holder.stdout!.once('data', () => done()))
    const refused = await acquireLock(dir, 'darwin').then(() => undefined, (e: unknown) => e)
    expect((refused as StorageError).code).toBe('IN_USE')
    const exited = new Promise((done) => holder.once('exit', done))
    holder.kill('SIGKILL')
    await exited
    expect(existsSync(path)).toBe(true)
    const lock = await acquireLock(dir, 'darwin')
    await lock.release()
    expect(existsSync(path)).toBe(false)
  })
})

describe('lock and process lifetime', () => {
  it('does not keep a process alive: one that holds the lock and has nothing else to do exits', async () => {
    const dir = tempDir()
    const script = `const { acquireLock } = await import(${JSON.stringify(join(import.meta.dirname, 'lock.ts'))}); await acquireLock(process.argv[1]); console.log('locked')`
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => (out += d))
    const code = await new Promise((done) => child.once('exit', done))
    expect(out).toBe('locked\n')
    expect(code).toBe(0)
    // The holder is gone, and so is its lock.
    const lock = await acquireLock(dir)
    await lock.release()
  })
})
