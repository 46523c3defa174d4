/**
 * @module storage/watchers
 * Listeners for newly stored batches, per tenant and signal (Store.watch).
 */
import type { Batch, Signal } from './model.ts'

export class Watchers {
  private readonly listeners = new Map<string, Set<(batch: Batch) => void>>()

  add(tenant: string, signal: Signal, listener: (batch: Batch) => void): () => void {
    const key = `${tenant}\u0000${signal}`
    let set = this.listeners.get(key)
    if (set === undefined) this.listeners.set(key, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(key)
    }
  }

  /** Tells every listener of the batch's tenant and signal; a throwing listener is dropped. */
  notify(tenant: string, batch: Batch): void {
    const set = this.listeners.get(`${tenant}\u0000${batch.signal}`)
    if (set === undefined) return
    for (const listener of set) {
      try {
        listener(batch)
      } catch {
        set.delete(listener)
      }
    }
  }
}
