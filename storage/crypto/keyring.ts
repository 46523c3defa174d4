/**
 * @module storage/crypto/keyring
 * The data directory's key: derived with scrypt from a password and a per-directory salt kept
 * in KEYRING (storage/FORMAT.md, "Keyring"), checked at open against a sealed known value so
 * that a wrong password is a clear error instead of a storm of failed blocks.
 */
import { randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto'
import { chmod, readFile } from 'node:fs/promises'
import { StorageError } from '../errors.ts'
import { SCRYPT_MAXMEM, SCRYPT_N, SCRYPT_P, SCRYPT_R } from '../limits.ts'
import { writeFileDurably } from '../fs-durable.ts'
import { KEY_BYTES, open, seal } from './seal.ts'

const KEY_CHECK = new TextEncoder().encode('BlazeDB key check v1')
const KEY_CHECK_AAD = new TextEncoder().encode('keyring')

interface KeyringFile {
  version: 1
  kdf: 'scrypt'
  N: number
  r: number
  p: number
  salt: string
  check: string
}

function scrypt(password: string, salt: Uint8Array, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEY_BYTES, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

/**
 * The key for the directory whose keyring is at `path`, creating the keyring on first use.
 * Throws StorageError WRONG_KEY when `password` does not open an existing keyring.
 */
export async function openKeyring(path: string, password: string): Promise<Uint8Array> {
  let text: string | undefined
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (text === undefined) {
    const salt = randomBytes(16)
    const options = { N: SCRYPT_N, r: SCRYPT_R, p: SCRYPT_P, maxmem: SCRYPT_MAXMEM }
    const key = await scrypt(password, salt, options)
    const file: KeyringFile = {
      version: 1,
      kdf: 'scrypt',
      N: SCRYPT_N,
      r: SCRYPT_R,
      p: SCRYPT_P,
      salt: salt.toString('hex'),
      check: Buffer.from(seal(key, KEY_CHECK, KEY_CHECK_AAD)).toString('base64'),
    }
    await writeFileDurably(path, JSON.stringify(file, null, 2) + '\n')
    return key
  }
  let file: KeyringFile
  try {
    file = JSON.parse(text) as KeyringFile
  } catch (error) {
    throw new StorageError('CORRUPT', `cannot read keyring ${path}: not JSON`, { cause: error, file: path })
  }
  if (file.version !== 1 || file.kdf !== 'scrypt') {
    throw new StorageError('UNSUPPORTED_VERSION', `cannot read keyring ${path}: version ${file.version}, kdf ${file.kdf}`, { file: path })
  }
  const options = { N: file.N, r: file.r, p: file.p, maxmem: Math.max(SCRYPT_MAXMEM, 256 * file.N * file.r) }
  const key = await scrypt(password, Buffer.from(file.salt, 'hex'), options)
  try {
    open(key, Buffer.from(file.check, 'base64'), KEY_CHECK_AAD, 'the key check')
  } catch (error) {
    throw new StorageError('WRONG_KEY', `cannot open data directory: the password does not match the one it was created with (${path})`, { cause: error, file: path })
  }
  return key
}

/**
 * The password in `keyFile`, creating the file with a random password (mode 0600) when it does
 * not exist. Returns whether it was created, so the caller can say where it is.
 */
export async function readOrCreateKeyFile(keyFile: string): Promise<{ password: string; created: boolean }> {
  try {
    const password = (await readFile(keyFile, 'utf8')).trim()
    if (password === '') throw new StorageError('WRONG_KEY', `cannot use key file ${keyFile}: it is empty`, { file: keyFile })
    return { password, created: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const password = randomBytes(32).toString('base64url')
  await writeFileDurably(keyFile, password + '\n', 0o600)
  await chmod(keyFile, 0o600)
  return { password, created: true }
}
