/**
 * The in-flight bound: bytes past the limit are refused (one request alone always fits), and
 * the count of requests at work on the CPU, kept in shared memory for other threads, follows
 * the leases' `work` marks: not while a request waits for its body or for the disk.
 */
import { expect, test } from 'vitest'
import { IngestError } from './errors.ts'
import { InflightLimiter } from './inflight.ts'

test('refuses bytes past the limit unless the request is alone', () => {
  const limiter = new InflightLimiter(100)
  const a = limiter.lease()
  a.grow(150)
  expect(limiter.inflight).toBe(150)
  const b = limiter.lease()
  expect(() => b.grow(1)).toThrow(IngestError)
  a.release()
  b.grow(60)
  expect(limiter.inflight).toBe(60)
  // A second release gives nothing back twice.
  a.release()
  b.release()
  expect(limiter.inflight).toBe(0)
})

test('counts requests while they work, once each, until they wait or end', () => {
  const limiter = new InflightLimiter(100)
  const working = () => Atomics.load(limiter.working, 0)
  const a = limiter.lease()
  const b = limiter.lease()
  // Reading their bodies: not working.
  expect(working()).toBe(0)
  a.work(true)
  a.work(true)
  b.work(true)
  expect(working()).toBe(2)
  // a's append waits for the disk; b ends while working.
  a.work(false)
  expect(working()).toBe(1)
  b.release()
  expect(working()).toBe(0)
  a.release()
  a.release()
  // A released lease cannot count again.
  a.work(true)
  expect(working()).toBe(0)
})

test('bytes a request holds already (its decoded batch) are counted without refusal; later requests are refused', () => {
  const limiter = new InflightLimiter(100)
  const a = limiter.lease()
  a.grow(60)
  a.hold(70)
  expect(limiter.inflight).toBe(130)
  expect(() => limiter.lease().grow(1)).toThrow(IngestError)
  a.release()
  expect(limiter.inflight).toBe(0)
  // A released lease holds nothing more.
  a.hold(10)
  expect(limiter.inflight).toBe(0)
})
