/**
 * @module storage/recent-keys
 * The idempotency keys of recent appends, per tenant (`AppendOptions.idempotencyKey`): an
 * append whose key is here was stored already and is answered without storing it again.
 * Bounded by age (RECENT_KEYS_MAX_AGE_MS) and by count per tenant (RECENT_KEYS_PER_TENANT),
 * the oldest forgotten first. The engine makes it durable (write-ahead log records and the
 * snapshot of storage/wal/recent-keys-file.ts); the memory store keeps it in memory only.
 *
 * Concurrency: `guard` runs the appends of one (tenant, key) one after the other, so a retry
 * arriving while the first attempt is still being written waits for it, and is a duplicate
 * if that attempt was stored.
 */
import { StorageError } from './errors.ts'
import { IDEMPOTENCY_KEY_MAX_BYTES, RECENT_KEYS_MAX_AGE_MS, RECENT_KEYS_PER_TENANT } from './limits.ts'

export interface RecentKey {
  tenant: string
  key: string
  /** When the batch was stored, epoch milliseconds. */
  timeMs: number
}

export interface RecentKeysLimits {
  maxAgeMs?: number
  maxPerTenant?: number
}

/** Throws StorageError INVALID_ARGUMENT unless `key` is 1 to IDEMPOTENCY_KEY_MAX_BYTES bytes of UTF-8. */
export function validateIdempotencyKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8')
  if (bytes === 0 || bytes > IDEMPOTENCY_KEY_MAX_BYTES) {
    throw new StorageError('INVALID_ARGUMENT', `cannot append with idempotency key of ${bytes} bytes: expected 1 to ${IDEMPOTENCY_KEY_MAX_BYTES}`)
  }
}

/**
 * @example
 * const keys = new RecentKeys()
 * await keys.guard('default', 'k1', () => Date.now(), async () => { await write(); keys.add('default', 'k1', Date.now()) }) // 'stored'
 * await keys.guard('default', 'k1', () => Date.now(), write) // 'duplicate': write is not called
 */
export class RecentKeys {
  readonly maxAgeMs: number
  readonly maxPerTenant: number
  /** Insertion order is age order (a key added again moves to the end). */
  private readonly tenants = new Map<string, Map<string, number>>()
  private readonly inflight = new Map<string, Promise<void>>()
  /** Counts changes, so that an unchanged table is not written again. */
  version = 0

  constructor(limits: RecentKeysLimits = {}) {
    this.maxAgeMs = limits.maxAgeMs ?? RECENT_KEYS_MAX_AGE_MS
    this.maxPerTenant = limits.maxPerTenant ?? RECENT_KEYS_PER_TENANT
  }

  /** True when `key` was added for `tenant` less than maxAgeMs before `nowMs` and not evicted. */
  has(tenant: string, key: string, nowMs: number): boolean {
    const t = this.tenants.get(tenant)?.get(key)
    return t !== undefined && t > nowMs - this.maxAgeMs
  }

  /** Records `key` as stored at `timeMs`, then forgets keys past the limits. */
  add(tenant: string, key: string, timeMs: number, nowMs = timeMs): void {
    let keys = this.tenants.get(tenant)
    if (keys === undefined) this.tenants.set(tenant, (keys = new Map()))
    keys.delete(key)
    keys.set(key, timeMs)
    this.version++
    while (keys.size > this.maxPerTenant) keys.delete(keys.keys().next().value!)
    for (const [k, t] of keys) {
      if (t > nowMs - this.maxAgeMs) break
      keys.delete(k)
    }
  }

  /** Keys of `tenant` remembered now. */
  size(tenant: string): number {
    return this.tenants.get(tenant)?.size ?? 0
  }

  /** Every key still within the window at `nowMs`, oldest first per tenant. */
  entries(nowMs: number): RecentKey[] {
    const out: RecentKey[] = []
    for (const [tenant, keys] of this.tenants) {
      for (const [key, timeMs] of keys) if (timeMs > nowMs - this.maxAgeMs) out.push({ tenant, key, timeMs })
    }
    return out
  }

  /**
   * Runs `store` unless `key` is already stored for `tenant`; `store` must call `add` once the
   * batch is durable (before it resolves). Waits for an attempt with the same key under way.
   * Resolves 'duplicate' without calling `store`, or 'stored'; rejects when `store` does.
   */
  async guard(tenant: string, key: string, nowMs: () => number, store: () => Promise<void>): Promise<'stored' | 'duplicate'> {
    validateIdempotencyKey(key)
    const id = `${tenant}\u0000${key}`
    for (let waiting = this.inflight.get(id); waiting !== undefined; waiting = this.inflight.get(id)) await waiting.catch(() => {})
    if (this.has(tenant, key, nowMs())) return 'duplicate'
    const run = store()
    this.inflight.set(id, run)
    try {
      await run
      return 'stored'
    } finally {
      if (this.inflight.get(id) === run) this.inflight.delete(id)
    }
  }
}
