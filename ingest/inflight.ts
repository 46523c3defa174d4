/**
 * @module ingest/inflight
 * Backpressure: a bound on the request bytes being read, decoded or appended at once. A
 * request that would pass it is refused (OVERLOADED: 429 / UNAVAILABLE with a retry delay)
 * instead of queued, so memory stays bounded whatever the clients do. Every new request is
 * refused so while the server's memory is near its limit (`pressure`), however few bytes are in
 * flight: nothing is acknowledged that was not stored, and the clients retry later. The number
 * of requests in flight is kept in shared memory too (`requests`), where other threads of the
 * process can see that ingest is at work (blazedb serve's query threads pause for it).
 */
import { IngestError } from './errors.ts'

export class InflightLimiter {
  readonly limit: number
  /** Leases open (requests being read, decoded or appended), in shared memory: Atomics.wait on
   * it wakes when the count changes. */
  readonly requests = new Int32Array(new SharedArrayBuffer(4))
  private used = 0
  private readonly pressure: () => string | undefined

  /** `pressure`: why the server's memory is short now (a message), undefined when it is not. */
  constructor(limit: number, pressure: () => string | undefined = () => undefined) {
    this.limit = limit
    this.pressure = pressure
  }

  get inflight(): number {
    return this.used
  }

  /** A lease of 0 bytes, grown as the request's size becomes known; release it exactly once. */
  lease(): InflightLease {
    Atomics.add(this.requests, 0, 1)
    return new InflightLease(this)
  }

  /** Internal to InflightLease; `first`: the request's first bytes (it holds none yet). */
  take(bytes: number, first: boolean): void {
    const short = first && bytes > 0 ? this.pressure() : undefined
    if (short !== undefined) throw new IngestError('OVERLOADED', `cannot accept the request now: ${short}; retry later`)
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
    this.limiter.take(bytes, this.bytes === 0)
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
