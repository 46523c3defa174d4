import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeStoreContract } from '../../test/support/store-contract.ts'
import { openEngine } from './engine.ts'

describeStoreContract('Engine, head only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-engine-'))
  const store = await openEngine({ dataDir: dir, password: 'test', background: false })
  return { store, cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
})

describeStoreContract('Engine, flushing into small parts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-engine-'))
  const store = await openEngine({ dataDir: dir, password: 'test', background: false, headFlushRows: 150 })
  return { store, cleanup: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
})
