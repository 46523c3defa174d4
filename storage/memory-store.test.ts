import { MemoryStore } from './index.ts'
import { describeStoreContract } from '../test/support/store-contract.ts'

describeStoreContract('MemoryStore', async () => {
  const store = new MemoryStore()
  return { store, cleanup: () => store.close() }
})
