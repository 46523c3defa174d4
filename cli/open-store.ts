/**
 * @module cli/open-store
 * Opens the storage engine the configuration describes.
 */
import { MemoryStore, type Store } from '../storage/index.ts'
import type { Config } from './config.ts'

export async function openStore(_config: Config, _log: (line: string) => void): Promise<Store> {
  return new MemoryStore()
}
