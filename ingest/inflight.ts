/**
 * @module ingest/inflight
 * Backpressure: a bound on the request bytes being read, decoded or appended at once. A
 * request that would pass it is refused (OVERLOADED: 429 / UNAVAILABLE with a retry delay)
 * instead of queued, so memory stays bounded whatever the clients do. The number of requests
 * in flight is kept in shared memory too (`requests`), where other threads of the process can
 * see that ingest is at work (blazedb serve's query threads pause for it).
 */
import { IngestError } from './errors.ts'

export class InflightLimiter {
  readonly limit: number
  /** Leases open (requests being read, decoded or appended), in shared memory: Atomics.wait on
   * it wakes when the count changes. */
  readonly requests = new Int32Array(new SharedArrayBuffer(4))
  private used = 0

  constructor(limit: number) {
    this.limit = limit
  }

  get inflight(): number {
    return this.used
  }

  /** A lease of 0 bytes, grown as the request's size becomes known; release it exactly once. */
  lease(): InflightLease {
    Atomics.add(this.requests, 0, 1)
    return new InflightLease(this)
  }

  /** Internal to InflightLease. */
  take(bytes: number): void {
    if (this.used + bytes > this.limit && this.used > 0) {
      throw new IngestError('OVERLOADED', `cannot accept the request now: ${this.used} bytes are in flight, the limit is ${this.limit}; retry later`)
    }
    this.used += bytes
  }

  /** Internal to InflightLease. */
  give(bytes: number): void {
    this.used -= bytes
  }

  /** Internal to InflightLease: its request is over. */
  ended(): void {
    Atomics.sub(this.requests, 0, 1)
    Atomics.notify(this.requests, 0)
  }
}

export class InflightLease {
  private readonly limiter: InflightLimiter
  private bytes = 0
  private released = false

  constructor(limiter: InflightLimiter) {
    this.limiter = limiter
  }

  /** Adds `bytes`; throws OVERLOADED when the limiter is full (one request alone always fits). */
  grow(bytes: number): void {
    this.limiter.take(bytes)
    this.bytes += bytes
  }

  release(): void {
    this.limiter.give(this.bytes)
    this.bytes = 0
    if (this.released) return
    this.released = true
    this.limiter.ended()
  }
}
