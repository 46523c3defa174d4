/**
 * The in-flight bound: bytes past the limit are refused (one request alone always fits), and
 * the count of requests in flight, kept in shared memory for other threads, follows the leases.
 */
import { expect, test } from 'vitest'
import { IngestError } from './errors.ts'
import { InflightLimiter } from './inflight.ts'

test('refuses bytes past the limit unless the request is alone, and counts requests in flight', () => {
  const limiter = new InflightLimiter(100)
  const a = limiter.lease()
  a.grow(150)
  expect(limiter.inflight).toBe(150)
  const b = limiter.lease()
  expect(Atomics.load(limiter.requests, 0)).toBe(2)
  expect(() => b.grow(1)).toThrow(IngestError)
  a.release()
  b.grow(60)
  expect(limiter.inflight).toBe(60)
  // A second release gives nothing back twice.
  a.release()
  expect(Atomics.load(limiter.requests, 0)).toBe(1)
  b.release()
  expect(limiter.inflight).toBe(0)
  expect(Atomics.load(limiter.requests, 0)).toBe(0)
})
