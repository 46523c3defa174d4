import { describe, expect, it } from 'vitest'
import { RecentKeys, validateIdempotencyKey } from './recent-keys.ts'

describe('RecentKeys', () => {
  it('remembers keys per tenant within the age window', () => {
    const keys = new RecentKeys({ maxAgeMs: 1000, maxPerTenant: 10 })
    keys.add('a', 'k1', 5000)
    expect(keys.has('a', 'k1', 5000)).toBe(true)
    expect(keys.has('a', 'k1', 5999)).toBe(true)
    expect(keys.has('a', 'k1', 6000)).toBe(false)
    expect(keys.has('b', 'k1', 5000)).toBe(false)
    // Adding later drops what has aged out.
    keys.add('a', 'k2', 6500)
    expect(keys.size('a')).toBe(1)
    expect(keys.entries(6500)).toEqual([{ tenant: 'a', key: 'k2', timeMs: 6500 }])
  })

  it('forgets the oldest keys of a tenant past the count, others untouched', () => {
    const keys = new RecentKeys({ maxAgeMs: 1e9, maxPerTenant: 3 })
    for (let i = 0; i < 5; i++) keys.add('a', `k${i}`, 100 + i)
    keys.add('b', 'k0', 100)
    expect(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => keys.has('a', k, 200))).toEqual([false, false, true, true, true])
    expect(keys.has('b', 'k0', 200)).toBe(true)
    // A key added again is the newest: k2 outlives k3 now.
    keys.add('a', 'k2', 110)
    keys.add('a', 'k5', 111)
    expect(['k2', 'k3', 'k4', 'k5'].map((k) => keys.has('a', k, 200))).toEqual([true, false, true, true])
  })

  it('runs one attempt per key at a time; a failed attempt leaves the key free', async () => {
    const keys = new RecentKeys()
    const calls: string[] = []
    let release!: () => void
    const first = keys.guard('a', 'k', Date.now, async () => {
      calls.push('first')
      await new Promise<void>((r) => (release = r))
      throw new Error('disk full')
    })
    const second = keys.guard('a', 'k', Date.now, async () => {
      calls.push('second')
      keys.add('a', 'k', Date.now())
    })
    const third = keys.guard('a', 'k', Date.now, async () => void calls.push('third'))
    await Promise.resolve()
    expect(calls).toEqual(['first'])
    release()
    await expect(first).rejects.toThrow('disk full')
    expect(await second).toBe('stored')
    expect(await third).toBe('duplicate')
    expect(calls).toEqual(['first', 'second'])
  })

  it('validates keys', () => {
    const f = (key: string, ok: boolean): void => (ok ? expect(() => validateIdempotencyKey(key)).not.toThrow() : expect(() => validateIdempotencyKey(key)).toThrow(/idempotency key/))
    f('a', true)
    f('k'.repeat(256), true)
    f('é'.repeat(128), true)
    f('', false)
    f('k'.repeat(257), false)
    f('é'.repeat(129), false)
  })
})
