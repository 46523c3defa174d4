import { describe, expect, it } from 'vitest'
import { BatchBuilder } from '../batch-builder.ts'
import { concatBatches } from '../batch-ops.ts'
import { cellValue, METRIC_COLUMNS, SPAN_COLUMNS, type Batch } from '../model.ts'
import { storageOrder } from './row-order.ts'

/** A deterministic pseudo-random sequence in [0, 1). */
function sequence(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Metric points of `series` series under three names, arrival order shuffled between series. */
function metricPoints(rows: number, series: number, seed: number, timeOf: (row: number) => bigint = BigInt): { batch: Batch; seriesOf: number[] } {
  const rand = sequence(seed)
  const b = new BatchBuilder('metrics')
  const seriesOf: number[] = []
  for (let row = 0; row < rows; row++) {
    const s = Math.floor(rand() * series)
    seriesOf.push(s)
    b.setStr(METRIC_COLUMNS.name, row, `metric.${s % 3}`)
    b.setU32(METRIC_COLUMNS.type, row, 1 + (s % 2))
    b.setI64(METRIC_COLUMNS.timeUnixNano, row, timeOf(row))
    b.setF64(METRIC_COLUMNS.value, row, rand())
    b.setStr('a:route', row, `/r/${s % 7}/${s}`)
    if (s % 5 !== 0) b.setI64('a:status', row, BigInt(200 + (s % 11))) // absent for some series
    b.setF64('a:ratio', row, (s % 13) / 4)
  }
  return { batch: b.finish(rows), seriesOf }
}

function expectPermutation(order: Uint32Array, n: number): void {
  expect(order.length).toBe(n)
  expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
}

/** Each group's rows form one run, in arrival order (time order where time follows arrival). */
function expectGrouped(order: Uint32Array, groupOf: (row: number) => unknown): void {
  const closed = new Set<unknown>()
  for (let i = 0; i < order.length; i++) {
    const g = groupOf(order[i])
    if (i > 0 && groupOf(order[i - 1]) === g) expect(order[i]).toBeGreaterThan(order[i - 1])
    else {
      expect(closed.has(g), `group ${String(g)} split`).toBe(false)
      closed.add(g)
    }
  }
}

describe('storageOrder', () => {
  it('puts each metric series in one run, names in sorted order, points in time order', () => {
    const { batch, seriesOf } = metricPoints(5000, 60, 7)
    const order = storageOrder(batch.signal, [batch])
    expectPermutation(order, batch.length)
    expectGrouped(order, (row) => seriesOf[row])
    const names = [...order].map((row) => cellValue(batch.columns[METRIC_COLUMNS.name], row) as string)
    expect(names).toEqual([...names].sort())
  })

  it('orders series of one name by first appearance', () => {
    const { batch, seriesOf } = metricPoints(3000, 30, 11)
    const order = storageOrder(batch.signal, [batch])
    const firstRow = new Map<number, number>()
    seriesOf.forEach((s, row) => firstRow.set(s, Math.min(firstRow.get(s) ?? row, row)))
    for (let i = 1; i < order.length; i++) {
      const a = seriesOf[order[i - 1]]
      const b = seriesOf[order[i]]
      if (a !== b && a % 3 === b % 3) expect(firstRow.get(b)).toBeGreaterThan(firstRow.get(a) as number)
    }
  })

  it('keeps a series together when its strings sit under several dictionary codes', () => {
    // Joined dictionaries may hold one string twice (concatBatches of many distinct values).
    const parts = [metricPoints(400, 12, 1), metricPoints(400, 12, 2, (row) => BigInt(400 + row))]
    const joined = concatBatches('metrics', [parts[0].batch, parts[1].batch])
    const name = joined.columns[METRIC_COLUMNS.name]
    if (name.kind !== 'str') throw new Error('expected a string column')
    const doubled = { ...joined, columns: { ...joined.columns, [METRIC_COLUMNS.name]: { ...name, dict: [...name.dict, ...name.dict], codes: name.codes.map((c, row) => (row % 2 === 0 ? c : c + name.dict.length)) } } }
    const seriesOf = [...parts[0].seriesOf, ...parts[1].seriesOf]
    const order = storageOrder('metrics', [doubled])
    expectPermutation(order, joined.length)
    expectGrouped(order, (row) => seriesOf[row])
  })

  it('groups a series across batches as in their concatenation, whatever columns each batch lacks', () => {
    const parts = [metricPoints(700, 25, 3), metricPoints(500, 25, 4, (row) => BigInt(700 + row)), metricPoints(900, 25, 5, (row) => BigInt(1200 + row))]
    // The middle batch lacks a column the others have: its rows hold no value there.
    const { ['a:ratio']: _ratio, ...rest } = parts[1].batch.columns
    const batches = [parts[0].batch, { ...parts[1].batch, columns: rest }, parts[2].batch]
    const joined = concatBatches('metrics', batches)
    const order = storageOrder('metrics', batches)
    expect([...order]).toEqual([...storageOrder('metrics', [joined])])
    const groupOf = [...parts[0].seriesOf, ...parts[1].seriesOf.map((s) => s + 1000), ...parts[2].seriesOf]
    expectPermutation(order, joined.length)
    expectGrouped(order, (row) => groupOf[row])
  })

  it('keeps a series in one run when a list column (histogram bounds) is in some batches only', () => {
    // Counter points sent alone, then beside histogram points: the second batch has the
    // explicitBounds column, absent for the counter rows.
    const counters = metricPoints(600, 20, 6)
    const mixed = metricPoints(600, 20, 8, (row) => BigInt(600 + row))
    const b = new BatchBuilder('metrics')
    for (let row = 0; row < 600; row++) if (row % 4 === 0) b.setF64List(METRIC_COLUMNS.explicitBounds, row, [0.1, 1])
    const bounds = b.finish(600).columns[METRIC_COLUMNS.explicitBounds]
    const batches = [counters.batch, { ...mixed.batch, columns: { ...mixed.batch.columns, [METRIC_COLUMNS.explicitBounds]: bounds } }]
    const seriesOf = [...counters.seriesOf, ...mixed.seriesOf]
    const order = storageOrder('metrics', batches)
    expectPermutation(order, seriesOf.length)
    expectGrouped(order, (row) => seriesOf[row])
  })

  it('orders a series\' points by time, then arrival, when they arrive out of time order (merged parts)', () => {
    // A later part before an earlier one, and times that repeat (ties keep arrival order).
    const late = metricPoints(600, 20, 12, (row) => 5000n + BigInt(row >> 1))
    const early = metricPoints(600, 20, 12, (row) => BigInt(row >> 1) - 2n ** 40n)
    const batches = [late.batch, early.batch]
    const seriesOf = [...late.seriesOf, ...early.seriesOf]
    const times = [...batches.flatMap((b) => Array.from({ length: b.length }, (_, row) => cellValue(b.columns[METRIC_COLUMNS.timeUnixNano], row) as bigint))]
    const order = storageOrder('metrics', batches)
    expectPermutation(order, seriesOf.length)
    const closed = new Set<number>()
    for (let i = 0; i < order.length; i++) {
      const [a, b] = [order[i - 1], order[i]]
      if (i > 0 && seriesOf[a] === seriesOf[b]) {
        expect(times[a] < times[b] || (times[a] === times[b] && a < b), `rows ${a} then ${b}`).toBe(true)
        continue
      }
      expect(closed.has(seriesOf[b])).toBe(false)
      closed.add(seriesOf[b])
    }
  })

  it('numbers thousands of series (the table grows) and keeps each in one run', () => {
    const { batch, seriesOf } = metricPoints(40_000, 5000, 9)
    const order = storageOrder('metrics', [batch])
    expectPermutation(order, batch.length)
    expectGrouped(order, (row) => seriesOf[row])
  })

  it('puts the spans of one trace in one run', () => {
    const rand = sequence(3)
    const b = new BatchBuilder('spans')
    const traceOf: number[] = []
    for (let row = 0; row < 2000; row++) {
      const t = Math.floor(rand() * 150)
      traceOf.push(t)
      const id = new Uint8Array(16)
      new DataView(id.buffer).setUint32(0, Math.imul(t + 1, 0x9e3779b1) >>> 0)
      id[15] = t & 0xff
      b.setBytes(SPAN_COLUMNS.traceId, row, 16, id)
    }
    const batch = b.finish(2000)
    const order = storageOrder(batch.signal, [batch])
    expectPermutation(order, batch.length)
    expectGrouped(order, (row) => traceOf[row])
  })

  it('groups spans by service (by name, spans without one last), and the spans of one trace of a service in one run', () => {
    const rand = sequence(5)
    const b = new BatchBuilder('spans')
    const traceOf: number[] = []
    const serviceOf: string[] = []
    for (let row = 0; row < 3000; row++) {
      const t = Math.floor(rand() * 200)
      const s = Math.floor(rand() * 6)
      traceOf.push(t)
      serviceOf.push(s === 5 ? '~none' : `svc-${(s * 7) % 5}`)
      const id = new Uint8Array(16)
      new DataView(id.buffer).setUint32(0, Math.imul(t + 1, 0x9e3779b1) >>> 0)
      b.setBytes(SPAN_COLUMNS.traceId, row, 16, id)
      if (s !== 5) b.setStr('r:service.name', row, serviceOf[row])
    }
    const batch = b.finish(3000)
    const order = storageOrder(batch.signal, [batch])
    expectPermutation(order, batch.length)
    const services = [...order].map((row) => serviceOf[row])
    expect(services).toEqual([...services].sort())
    expectGrouped(order, (row) => `${serviceOf[row]}/${traceOf[row]}`)
  })
})
