/**
 * @module test/support/telemetry
 * Small, deterministic spans, logs and metric points built with BatchBuilder, for storage tests.
 */
import { BatchBuilder, cellValue, type Batch } from '../../storage/index.ts'
import { seededRandom } from './random-batch.ts'

export const T0 = 1793491200000000000n // 2026-11-01T00:00:00Z
export const MINUTE = 60_000_000_000n
export const HOUR = 60n * MINUTE

/** 16-byte trace id whose first byte is `n % 256` and second `n >> 8` (n < 65536). */
export function traceIdOf(n: number): Uint8Array {
  const id = new Uint8Array(16)
  id[0] = n & 0xff
  id[1] = n >> 8
  id[15] = 1
  return id
}

/**
 * `count` spans starting at `start`, one every `step` ns, 4 spans per trace numbered from
 * `firstTrace`; each span carries `a:seq` = its global number `firstSeq + i`.
 */
export function makeSpans(count: number, options: { start?: bigint; step?: bigint; firstSeq?: number; firstTrace?: number; seed?: number } = {}): Batch {
  const { start = T0, step = 1_000_000n, firstSeq = 0, firstTrace = 0, seed = 1 } = options
  const rand = seededRandom(seed)
  const b = new BatchBuilder('spans')
  for (let i = 0; i < count; i++) {
    const t = start + BigInt(i) * step
    const spanId = new Uint8Array(8)
    for (let j = 0; j < 8; j++) spanId[j] = Math.floor(rand() * 256)
    b.setBytes('traceId', i, 16, traceIdOf(firstTrace + Math.floor(i / 4)))
    b.setBytes('spanId', i, 8, spanId)
    b.setBytes('parentSpanId', i, 8, new Uint8Array(8))
    b.setStr('name', i, ['GET /a', 'GET /b', 'POST /c'][i % 3])
    b.setU32('kind', i, 2)
    b.setI64('startTimeUnixNano', i, t)
    b.setI64('endTimeUnixNano', i, t + BigInt(Math.floor(rand() * 5e8)))
    b.setU32('statusCode', i, rand() < 0.05 ? 2 : 0)
    b.setStr('r:service.name', i, ['checkout', 'cart', 'payment'][i % 3])
    b.setAttribute('a:seq', i, BigInt(firstSeq + i))
    b.setAttribute('a:http.response.status_code', i, BigInt([200, 200, 500, 404][i % 4]))
  }
  return b.finish(count)
}

export function makeLogs(count: number, start = T0, step = 1_000_000n, firstSeq = 0): Batch {
  const b = new BatchBuilder('logs')
  for (let i = 0; i < count; i++) {
    b.setI64('timeUnixNano', i, start + BigInt(i) * step)
    b.setI64('observedTimeUnixNano', i, start + BigInt(i) * step + 1000n)
    b.setU32('severityNumber', i, i % 7 === 0 ? 17 : 9)
    b.setStr('body', i, `request ${firstSeq + i} ${i % 50 === 0 ? 'timeout' : 'ok'}`)
    b.setStr('r:service.name', i, ['checkout', 'cart'][i % 2])
    b.setAttribute('a:seq', i, BigInt(firstSeq + i))
  }
  return b.finish(count)
}

export function makePoints(count: number, start = T0, step = 15_000_000_000n): Batch {
  const b = new BatchBuilder('metrics')
  for (let i = 0; i < count; i++) {
    const series = i % 5
    b.setStr('metric.name', i, series < 3 ? 'requests' : 'latency')
    b.setU32('metric.type', i, series < 3 ? 2 : 3)
    b.setI64('timeUnixNano', i, start + BigInt(Math.floor(i / 5)) * step)
    b.setAttribute('a:route', i, `/r${series}`)
    if (series < 3) b.setF64('value', i, Math.floor(i / 5) * 10 + series)
    else {
      b.setI64('count', i, BigInt(i))
      b.setI64List('bucketCounts', i, [1n, BigInt(i), BigInt(2 * i)])
      b.setF64List('explicitBounds', i, [0.1, 1])
    }
  }
  return b.finish(count)
}

/** Every row of the batches as sorted [column, value] pairs, for order-independent comparison. */
export function rowsOf(batches: readonly Batch[]): string[] {
  const out: string[] = []
  for (const batch of batches) {
    const names = Object.keys(batch.columns).sort()
    for (let row = 0; row < batch.length; row++) {
      const cells = names.map((n) => [n, cellValue(batch.columns[n], row)]).filter(([, v]) => v !== undefined)
      out.push(JSON.stringify(cells, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)))
    }
  }
  return out.sort()
}

export async function collect(scan: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = []
  for await (const b of scan) out.push(b)
  return out
}
