/**
 * @module storage/engine/layout
 * Where things live in a data directory (storage/FORMAT.md, "Data directory").
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { SIGNALS, type Signal } from '../model.ts'

export const TENANTS_DIR = 'tenants'
export const WAL_DIR = 'wal'

/** Every partition directory: tenants/<tenant>/<signal>/<partition>. */
export function* partitionDirs(dataDir: string): Generator<{ tenant: string; signal: Signal; dir: string }> {
  const tenantsDir = join(dataDir, TENANTS_DIR)
  if (!existsSync(tenantsDir)) return
  for (const tenant of readdirSync(tenantsDir).sort()) {
    for (const signal of SIGNALS) {
      const dir = join(tenantsDir, tenant, signal)
      if (!existsSync(dir)) continue
      for (const name of readdirSync(dir).sort()) yield { tenant, signal, dir: join(dir, name) }
    }
  }
}
