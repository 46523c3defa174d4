/**
 * Series numbers (agg-series.ts SeriesKeys): rows get equal numbers exactly when their labels
 * are equal, across batches with other dictionaries, whether labels repeat in runs (as parts
 * store them) or change from row to row, with absent values and every kind of label column.
 */
import { describe, expect, it } from 'vitest'
import { METRIC_COLUMNS, type Batch, type Column } from '../storage/index.ts'
import { SeriesKeys } from './agg-series.ts'
import { seededRandom } from '../test/support/random-batch.ts'

interface Labels {
  service: string | undefined
  code: bigint | undefined
  ratio: number
  id: number
  extra: string | undefined
}

/** The labels after `l` with one of them drawn again, so that neighbours differ in one label. */
function label(rand: () => number, l: Labels, withAny: boolean): Labels {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]
  const next = { ...l }
  const which = Math.floor(rand() * (withAny ? 5 : 4))
  if (which === 0) next.service = pick(['api', 'db', undefined])
  if (which === 1) next.code = pick([200n, 500n, undefined])
  if (which === 2) next.ratio = pick([0.5, 1])
  if (which === 3) next.id = pick([1, 2])
  if (which === 4) next.extra = pick(['x', undefined])
  return next
}

/** A batch of `rows`; the dictionary order is reversed in odd batches, so codes differ between batches. */
function batchOf(rows: Labels[], odd: boolean, withAny: boolean): Batch {
  const n = rows.length
  const dict = odd ? ['db', 'api'] : ['api', 'db']
  const str = (get: (l: Labels) => string | undefined, d: string[]): Column => ({
    kind: 'str',
    dict: d,
    codes: Uint32Array.from(rows, (l) => Math.max(0, d.indexOf(get(l) ?? d[0]))),
    present: Uint8Array.from(rows, (l) => (get(l) === undefined ? 0 : 1)),
  })
  return {
    signal: 'metrics',
    length: n,
    columns: {
      [METRIC_COLUMNS.name]: { kind: 'str', dict: ['m'], codes: new Uint32Array(n) },
      [METRIC_COLUMNS.timeUnixNano]: { kind: 'i64', values: BigInt64Array.from(rows, (_l, i) => BigInt(i)) },
      'a:service': str((l) => l.service, dict),
      'a:code': { kind: 'i64', values: BigInt64Array.from(rows, (l) => l.code ?? 0n), present: Uint8Array.from(rows, (l) => (l.code === undefined ? 0 : 1)) },
      'a:ratio': { kind: 'f64', values: Float64Array.from(rows, (l) => l.ratio) },
      'r:id': { kind: 'bytes', width: 4, values: Uint8Array.from(rows.flatMap((l) => [0, 0, 0, l.id])) },
      ...(withAny ? { 's:extra': { kind: 'any', values: rows.map((l) => l.extra), present: Uint8Array.from(rows, (l) => (l.extra === undefined ? 0 : 1)) } as Column } : {}),
    },
  }
}

function check(withAny: boolean): void {
  const rand = seededRandom(5)
  const keys = new SeriesKeys()
  const seen = new Map<string, number>()
  const numbers = new Map<number, string>()
  let l: Labels = { service: 'api', code: 200n, ratio: 1, id: 1, extra: undefined }
  for (let b = 0; b < 6; b++) {
    const rows: Labels[] = []
    // Runs of one series (as parts store them) in even batches, a new series every row in odd ones.
    while (rows.length < 500) {
      l = label(rand, l, withAny)
      const run = b % 2 === 0 ? 1 + Math.floor(rand() * 40) : 1
      for (let k = 0; k < run; k++) rows.push(l)
    }
    const ids = keys.assign(batchOf(rows, b % 2 === 1, withAny))
    rows.forEach((x, i) => {
      const text = JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
      expect(seen.get(text) ?? ids[i]).toBe(ids[i])
      expect(numbers.get(ids[i]) ?? text).toBe(text)
      seen.set(text, ids[i])
      numbers.set(ids[i], text)
    })
  }
  expect(seen.size).toBe(withAny ? 72 : 36)
}

describe('SeriesKeys', () => {
  it('numbers rows equally exactly when their labels are equal', () => check(false))
  it('does so with a label of general values as well', () => check(true))
})
