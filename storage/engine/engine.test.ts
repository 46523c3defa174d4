import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describeStoreContract } from '../../test/support/store-contract.ts'
import type { Batch, Column } from '../model.ts'
import { openEngine } from './engine.ts'
import type { AppendOptions } from '../store.ts'

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

/** `batch` with every column array copied into shared memory, as a decoding thread makes them. */
function inSharedMemory(batch: Batch): Batch {
  const columns: Record<string, Column> = {}
  for (const [name, column] of Object.entries(batch.columns)) {
    const c: Record<string, unknown> = { ...column }
    for (const key of ['values', 'codes', 'offsets', 'present']) {
      const a = c[key]
      if (!ArrayBuffer.isView(a)) continue
      const Type = a.constructor as new (buffer: SharedArrayBuffer) => Uint8Array
      const copy = new Type(new SharedArrayBuffer(a.byteLength))
      copy.set(a as Uint8Array)
      c[key] = copy
    }
    columns[name] = c as unknown as Column
  }
  return { ...batch, columns }
}

// Batches from decoding threads hold shared arrays; the part writer thread then shares them too.
describeStoreContract('Engine, flushing batches held in shared memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-engine-'))
  const engine = await openEngine({ dataDir: dir, password: 'test', background: false, headFlushRows: 150 })
  const store = new Proxy(engine, {
    get(target, prop) {
      if (prop === 'append') return (tenant: string, batch: Batch, options?: AppendOptions) => target.append(tenant, inSharedMemory(batch), options)
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
  return { store, cleanup: async () => (await engine.close(), rmSync(dir, { recursive: true, force: true })) }
})
