/**
 * @module ingest/inflight
 * Backpressure: a bound on the request bytes being read, decoded or appended at once (a
 * request's body, and from its decoding on its decoded batch too: both are held until the
 * decoding thread's next collection and the append, and appends wait while the head is full). A
 * request that would pass it is refused (OVERLOADED: 429 / UNAVAILABLE with a retry delay)
 * instead of queued, so memory stays bounded whatever the clients do. Every new request is
 * refused so while the server's memory is near its limit (`pressure`), however few bytes are in
 * flight: nothing is acknowledged that was not stored, and the clients retry later.
 *
 * The number of requests with work for the CPU now is kept in shared memory (`working`), where
 * other threads of the process can see that ingest needs the CPU (blazedb serve's query threads
 * pause for it): a request counts from when its body is read (`InflightLease.work(true)`) until
 * its write-ahead log record is encoded and handed to the disk (`work(false)`), not while it
 * waits for the network or for fdatasync, when pausing queries would gain ingest nothing.
 */
import { IngestError } from './errors.ts'

export class InflightLimiter {
  readonly limit: number
  /** Leases at work on the CPU (read, being decoded, checked or encoded for the log), in shared
   * memory: Atomics.wait on it wakes when the count falls. */
  readonly working = new Int32Array(new SharedArrayBuffer(4))
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

  /** A lease of 0 bytes, grown as the request's size becomes known, not yet at work; release it exactly once. */
  lease(): InflightLease {
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

  /** Internal to InflightLease: a request starts (true) or stops (false) working. */
  toggle(on: boolean): void {
    if (on) return void Atomics.add(this.working, 0, 1)
    Atomics.sub(this.working, 0, 1)
    Atomics.notify(this.working, 0)
  }
}

export class InflightLease {
  private readonly limiter: InflightLimiter
  private bytes = 0
  private released = false
  private busy = false

  constructor(limiter: InflightLimiter) {
    this.limiter = limiter
  }

  /** Adds `bytes`; throws OVERLOADED when the limiter is full (one request alone always fits). */
  grow(bytes: number): void {
    this.limiter.take(bytes, this.bytes === 0)
    this.bytes += bytes
  }

  /**
   * Adds `bytes` the request holds already (its decoded batch), without refusing it: they are
   * in memory whatever the answer, and refusing the request now would waste its decoding. New
   * requests are refused while they fill the limit (`grow`).
   */
  hold(bytes: number): void {
    if (this.released) return
    this.limiter.give(-bytes)
    this.bytes += bytes
  }

  /**
   * The request has work for the CPU now (true: its body is read and is being decoded, checked
   * or encoded), or waits (false: for the disk); counted in the limiter's `working`. Idempotent.
   */
  work(on: boolean): void {
    if (this.released || on === this.busy) return
    this.busy = on
    this.limiter.toggle(on)
  }

  release(): void {
    this.limiter.give(this.bytes)
    this.bytes = 0
    this.work(false)
    this.released = true
  }
}
