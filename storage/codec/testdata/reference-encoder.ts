/**
 * @module storage/codec/testdata/reference-encoder
 * A second, deliberately plain encoder of column chunks and batch payloads, written from
 * storage/FORMAT.md: one value at a time into a number[], 64-bit integers as BigInt, strings
 * through TextEncoder, doubles through DataView. It makes the same encoder choices as the
 * real one (which the format leaves to the writer), so tests can demand identical bytes:
 * any fast path of the real encoder that writes different bytes fails them.
 */
import type { AnyValue, Batch, Column } from '../../model.ts'

const UTF8 = new TextEncoder()
const KIND: Record<Column['kind'], number> = { u32: 1, i32: 2, i64: 3, f64: 4, bool: 5, str: 6, bytes: 7, i64list: 8, f64list: 9, any: 10 }
const SIGNAL = { spans: 1, logs: 2, metrics: 3 }
const [CONST, FIXED, DELTA, PLAIN, RAW, DECIMAL] = [1, 2, 3, 4, 5, 6]

class Out {
  readonly bytes: number[] = []
  u8(v: number): void {
    this.bytes.push(v & 0xff)
  }
  uvarint(v: bigint): void {
    do {
      const low = Number(v & 0x7fn)
      v >>= 7n
      this.u8(v === 0n ? low : low | 0x80)
    } while (v !== 0n)
  }
  svarint(v: bigint): void {
    const z = BigInt.asUintN(64, (v << 1n) ^ (v < 0n ? -1n : 0n))
    this.uvarint(z)
  }
  f64(v: number): void {
    const view = new DataView(new ArrayBuffer(8))
    view.setFloat64(0, v, true)
    for (let i = 0; i < 8; i++) this.u8(view.getUint8(i))
  }
  /** The exact bits of element k of `values` (a NaN's payload included). */
  f64At(values: Float64Array, k: number): void {
    const bytes = new Uint8Array(values.buffer, values.byteOffset + 8 * k, 8)
    for (const b of bytes) this.u8(b)
  }
  string(s: string): void {
    const b = UTF8.encode(s)
    this.uvarint(BigInt(b.length))
    for (const x of b) this.u8(x)
  }
}

/** The chunk encodeColumn writes for `column` of `rows` rows. */
export function referenceColumn(column: Column, rows: number, compact = true): Uint8Array {
  const out = new Out()
  out.u8(KIND[column.kind])
  const live: number[] = []
  if (column.present === undefined) {
    out.u8(0)
    for (let i = 0; i < rows; i++) live.push(i)
  } else {
    out.u8(1)
    for (let i = 0; i < rows; i++) if (column.present[i] === 1) live.push(i)
    const bitmap = new Array<number>((rows + 7) >> 3).fill(0)
    for (const i of live) bitmap[i >> 3] |= 1 << (i & 7)
    for (const b of bitmap) out.u8(b)
  }
  body(out, column, live, compact)
  return Uint8Array.from(out.bytes)
}

function u32s(out: Out, values: number[]): void {
  if (values.every((v) => v === values[0])) {
    out.u8(CONST)
    out.uvarint(BigInt(values[0] ?? 0))
    return
  }
  out.u8(FIXED)
  fixed(out, values, values.reduce((a, b) => Math.max(a, b), 0))
}

function fixed(out: Out, values: number[], max: number): void {
  const width = max < 256 ? 1 : max < 65536 ? 2 : 4
  out.u8(width)
  for (const v of values) for (let b = 0; b < width; b++) out.u8(v >>> (8 * b))
}

function bits(z: bigint): number {
  return z === 0n ? 0 : z.toString(2).length
}

function zigzag(v: bigint): bigint {
  return BigInt.asUintN(64, (v << 1n) ^ (v < 0n ? -1n : 0n))
}

function i64s(out: Out, values: bigint[]): void {
  if (values.every((v) => v === values[0])) {
    out.u8(CONST)
    out.svarint(values[0] ?? 0n)
    return
  }
  const deltas = values.map((v, k) => (k === 0 ? v : BigInt.asIntN(64, v - values[k - 1])))
  let plain = 0
  let delta = 0
  for (let k = 1; k < Math.min(values.length, 256); k++) {
    plain += bits(zigzag(values[k]))
    delta += bits(zigzag(deltas[k]))
  }
  out.u8(delta <= plain ? DELTA : PLAIN)
  for (const v of delta <= plain ? deltas : values) out.svarint(v)
}

function decimalScale(v: number): number {
  if (Object.is(v, -0)) return -1 // its integer would be -0, written as 0: -0 needs raw doubles
  for (let k = 0; k <= 9; k++) {
    const m = Math.round(v * 10 ** k)
    if (Number.isSafeInteger(m) && Object.is(m / 10 ** k, v)) return k
  }
  return -1
}

function f64s(out: Out, values: Float64Array, compact: boolean): void {
  const n = values.length
  if (values.every((v) => Object.is(v, values[0]))) {
    out.u8(CONST)
    if (n > 0) out.f64At(values, 0)
    else out.f64(0)
    return
  }
  if (compact) {
    const scales = Array.from(values, decimalScale)
    const scale = scales.includes(-1) ? -1 : scales.reduce((a, b) => Math.max(a, b), 0)
    const ints = Array.from(values, (v) => Math.round(v * 10 ** scale))
    // Integers and differences below 2^52, so that their zigzag is exact in a reader's double.
    if (scale >= 0 && ints.every((m, k) => Math.abs(m) < 2 ** 52 && Object.is(m / 10 ** scale, values[k]))) {
      let plain = 0
      let delta = 0
      for (let k = 1; k < Math.min(n, 256); k++) {
        plain += Math.abs(ints[k])
        delta += Math.abs(ints[k] - ints[k - 1])
      }
      const deltas = ints.map((m, k) => (k === 0 ? m : m - ints[k - 1]))
      const useDelta = delta <= plain && deltas.every((d) => Math.abs(d) < 2 ** 52)
      out.u8(DECIMAL)
      out.u8(scale)
      out.u8(useDelta ? DELTA : PLAIN)
      for (const m of useDelta ? deltas : ints) out.svarint(BigInt(m))
      return
    }
  }
  out.u8(RAW)
  for (let k = 0; k < n; k++) out.f64At(values, k)
}

function body(out: Out, column: Column, live: number[], compact: boolean): void {
  const n = live.length
  switch (column.kind) {
    case 'u32':
      return u32s(out, live.map((i) => column.values[i]))
    case 'i32':
      return u32s(out, live.map((i) => ((column.values[i] << 1) ^ (column.values[i] >> 31)) >>> 0))
    case 'bool': {
      const bytes = new Array<number>((n + 7) >> 3).fill(0)
      live.forEach((i, k) => {
        if (column.values[i] === 1) bytes[k >> 3] |= 1 << (k & 7)
      })
      for (const b of bytes) out.u8(b)
      return
    }
    case 'i64':
      return i64s(out, live.map((i) => column.values[i]))
    case 'f64':
      return f64s(out, Float64Array.from(live, (i) => column.values[i]), compact)
    case 'str': {
      let dict = column.dict
      let codes = live.map((i) => column.codes[i])
      if (dict.length > n) {
        // Only the entries used, in order of first use.
        const order = [...new Set(codes)]
        const remap = new Map(order.map((c, m) => [c, m]))
        dict = order.map((c) => column.dict[c])
        codes = codes.map((c) => remap.get(c) as number)
      }
      out.uvarint(BigInt(dict.length))
      for (const s of dict) out.string(s)
      if (dict.length > 1) fixed(out, codes, dict.length - 1)
      return
    }
    case 'bytes':
      out.uvarint(BigInt(column.width))
      for (const i of live) for (let j = 0; j < column.width; j++) out.u8(column.values[i * column.width + j])
      return
    case 'i64list':
    case 'f64list': {
      const rows = live.map((i) => Array.from(column.values.subarray(column.offsets[i], column.offsets[i + 1]) as ArrayLike<number | bigint>))
      u32s(out, rows.map((r) => r.length))
      rows.forEach((row, k) => {
        const prev = k > 0 ? rows[k - 1] : undefined
        if (column.kind === 'i64list') {
          for (let j = 0; j < row.length; j++) {
            const v = row[j] as bigint
            out.svarint(prev?.length === row.length ? BigInt.asIntN(64, v - (prev[j] as bigint)) : v)
          }
        } else {
          const same = prev?.length === row.length && row.every((v, j) => Object.is(v, prev[j]))
          out.u8(same ? 1 : 0)
          if (!same) {
            const start = column.offsets[live[k]]
            for (let j = 0; j < row.length; j++) out.f64At(column.values as Float64Array, start + j)
          }
        }
      })
      return
    }
    case 'any':
      for (const i of live) value(out, column.values[i] as AnyValue)
      return
  }
}

function value(out: Out, v: AnyValue): void {
  if (v === null) out.u8(0)
  else if (typeof v === 'boolean') out.u8(v ? 2 : 1)
  else if (typeof v === 'bigint') {
    out.u8(3)
    out.svarint(v)
  } else if (typeof v === 'number') {
    out.u8(4)
    out.f64(v)
  } else if (typeof v === 'string') {
    out.u8(5)
    out.string(v)
  } else if (v instanceof Uint8Array) {
    out.u8(6)
    out.uvarint(BigInt(v.length))
    for (const b of v) out.u8(b)
  } else if (Array.isArray(v)) {
    out.u8(7)
    out.uvarint(BigInt(v.length))
    for (const x of v) value(out, x)
  } else {
    out.u8(8)
    const keys = Object.keys(v)
    out.uvarint(BigInt(keys.length))
    for (const k of keys) {
      out.string(k)
      value(out, v[k])
    }
  }
}

/** The batch payload writeBatchPayload writes. */
export function referenceBatchPayload(batch: Batch, compact = true): Uint8Array {
  const out = new Out()
  out.uvarint(BigInt(SIGNAL[batch.signal]))
  out.uvarint(BigInt(batch.length))
  const names = Object.keys(batch.columns)
  out.uvarint(BigInt(names.length))
  for (const name of names) {
    out.string(name)
    const chunk = referenceColumn(batch.columns[name], batch.length, compact)
    out.uvarint(BigInt(chunk.length))
    for (const b of chunk) out.u8(b)
  }
  return Uint8Array.from(out.bytes)
}

/** The bytes ByteWriter.string writes for `s`. */
export function referenceString(s: string): Uint8Array {
  const out = new Out()
  out.string(s)
  return Uint8Array.from(out.bytes)
}
