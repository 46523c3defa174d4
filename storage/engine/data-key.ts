/**
 * @module storage/engine/data-key
 * Where the data key comes from: the password given, through the directory's keyring.
 */
import { join } from 'node:path'
import { openKeyring } from '../crypto/keyring.ts'
import { StorageError } from '../errors.ts'

export const KEYRING_FILE = 'KEYRING'

export async function openDataKey(dataDir: string, password: string): Promise<Uint8Array> {
  if (password === '') throw new StorageError('WRONG_KEY', 'cannot open the data directory: the password is empty')
  return openKeyring(join(dataDir, KEYRING_FILE), password)
}
