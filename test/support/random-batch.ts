/**
 * @module test/support/random-batch
 * Seeded random batches covering every column kind, sparse and dense, with boundary values:
 * the input of the codec property tests.
 */
import type { AnyValue, Batch, Column, Signal } from '../../storage/index.ts'

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const I64_EDGES = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 1793491200000000000n, 2n ** 53n, -(2n ** 53n) - 1n]
const F64_EDGES = [0, -0, 1, -1, 0.1, 0.2736, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN, 2 ** 53, 1e-300, 123456.789]
const STRINGS = ['', 'a', 'GET /api/v1/users/{id}', 'ünïcödé ✓', '😀 emoji', 'x'.repeat(300), 'timeout']

export function randomValue(rand: () => number, depth = 0): AnyValue {
  const pick = Math.floor(rand() * (depth > 2 ? 6 : 9))
  switch (pick) {
    case 0:
      return STRINGS[Math.floor(rand() * STRINGS.length)]
    case 1:
      return rand() < 0.5
    case 2:
      return BigInt.asIntN(64, I64_EDGES[Math.floor(rand() * I64_EDGES.length)] + BigInt(Math.floor(rand() * 1000)))
    case 3:
      return F64_EDGES[Math.floor(rand() * F64_EDGES.length)]
    case 4:
      return Uint8Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 256))
    case 5:
      return null
    case 6:
      return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1))
    default: {
      const out: { [k: string]: AnyValue } = {}
      const n = Math.floor(rand() * 4)
      for (let i = 0; i < n; i++) out[`k${i}`] = randomValue(rand, depth + 1)
      return out
    }
  }
}

function maybePresent(rand: () => number, rows: number): Uint8Array | undefined {
  if (rand() < 0.5) return undefined
  const density = rand()
  return Uint8Array.from({ length: rows }, () => (rand() < density ? 1 : 0))
}

/** A column of `kind` with `rows` random rows; absent rows hold zero values, as decoders make them. */
export function randomColumn(rand: () => number, kind: Column['kind'], rows: number): Column {
  const present = maybePresent(rand, rows)
  const live = (i: number): boolean => present === undefined || present[i] === 1
  const sorted = rand() < 0.5
  switch (kind) {
    case 'u32':
      return { kind, present, values: Uint32Array.from({ length: rows }, (_, i) => (live(i) ? Math.floor(rand() * [2, 300, 70000, 2 ** 32][i % 4]) : 0)) }
    case 'i32':
      return { kind, present, values: Int32Array.from({ length: rows }, (_, i) => (live(i) ? Math.floor((rand() - 0.5) * 2 ** 32) : 0)) }
    case 'i64': {
      let t = 1793491200000000000n
      return {
        kind,
        present,
        values: BigInt64Array.from({ length: rows }, (_, i) => {
          if (!live(i)) return 0n
          t += BigInt(Math.floor(rand() * 1e7))
          return sorted ? t : I64_EDGES[Math.floor(rand() * I64_EDGES.length)] + BigInt(Math.floor(rand() * 100))
        }),
      }
    }
    case 'f64': {
      const decimals = rand() < 0.5
      return {
        kind,
        present,
        values: Float64Array.from({ length: rows }, (_, i) =>
          !live(i) ? 0 : decimals ? Math.round(rand() * 1e6) / 1e4 : rand() < 0.2 ? F64_EDGES[Math.floor(rand() * F64_EDGES.length)] : rand() * 1e9,
        ),
      }
    }
    case 'bool':
      return { kind, present, values: Uint8Array.from({ length: rows }, (_, i) => (live(i) && rand() < 0.5 ? 1 : 0)) }
    case 'str': {
      const dict = Array.from({ length: 1 + Math.floor(rand() * 300) }, (_, i) => `${STRINGS[i % STRINGS.length]}-${i}`)
      return { kind, present, dict, codes: Uint32Array.from({ length: rows }, () => Math.floor(rand() * dict.length)) }
    }
    case 'bytes': {
      const width = rand() < 0.5 ? 8 : 16
      return { kind, present, width, values: Uint8Array.from({ length: rows * width }, (_, i) => (live(Math.floor(i / width)) ? Math.floor(rand() * 256) : 0)) }
    }
    case 'i64list':
    case 'f64list': {
      const offsets = new Uint32Array(rows + 1)
      const lens = Array.from({ length: rows }, (_, i) => (live(i) ? Math.floor(rand() * 16) : 0))
      for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i] + lens[i]
      const total = offsets[rows]
      return kind === 'i64list'
        ? { kind, present, offsets, values: BigInt64Array.from({ length: total }, () => BigInt(Math.floor(rand() * 1e6)) - 1000n) }
        : { kind, present, offsets, values: Float64Array.from({ length: total }, () => (rand() < 0.5 ? 0.005 * Math.floor(rand() * 10) : rand())) }
    }
    case 'any':
      return { kind, present, values: Array.from({ length: rows }, (_, i) => (live(i) ? randomValue(rand) : undefined)) }
  }
}

export const ALL_KINDS: Column['kind'][] = ['u32', 'i32', 'i64', 'f64', 'bool', 'str', 'bytes', 'i64list', 'f64list', 'any']

/** A batch with one column of every kind (and a few more), `rows` rows. */
export function randomBatch(seed: number, rows = 1 + Math.floor(seededRandom(seed ^ 0x5eed)() * 300), signal: Signal = 'spans'): Batch {
  const rand = seededRandom(seed)
  const columns: Record<string, Column> = {}
  for (const kind of ALL_KINDS) columns[`c_${kind}`] = randomColumn(rand, kind, rows)
  columns['a:http.route'] = randomColumn(rand, 'str', rows)
  return { signal, length: rows, columns }
}

/**
 * Spans for aggregate tests: start and end times within 1,000 s of 2026-11-01, a route
 * (`attr.route`: a dictionary of up to 300 entries, some rows absent) and a number
 * (`attr.x`: small integers repeat, some rows absent).
 */
export function randomSpans(rand: () => number, rows: number): Batch {
  const start = BigInt64Array.from({ length: rows }, () => 1793491200000000000n + BigInt(Math.floor(rand() * 1e12)))
  const x = Float64Array.from({ length: rows }, () => (rand() < 0.3 ? Math.floor(rand() * 20) : rand() * 1e6 - 1e5))
  return {
    signal: 'spans',
    length: rows,
    columns: {
      startTimeUnixNano: { kind: 'i64', values: start },
      endTimeUnixNano: { kind: 'i64', values: start.map((t) => t + BigInt(Math.floor(rand() * 1e9))) },
      'a:route': randomColumn(rand, 'str', rows),
      'a:x': { kind: 'f64', values: x, present: rand() < 0.5 ? undefined : Uint8Array.from(x, () => (rand() < 0.9 ? 1 : 0)) },
    },
  }
}
