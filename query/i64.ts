/**
 * @module query/i64
 * Fast paths over i64 (BigInt64Array) columns that avoid a BigInt per row: each value is read
 * as its two little-endian 32-bit halves, which is exact and several times faster in V8.
 */

/** The 32-bit halves of an i64 array (low words unsigned, high words signed). */
export function halves(values: BigInt64Array): { lo: Uint32Array; hi: Int32Array } {
  return {
    lo: new Uint32Array(values.buffer, values.byteOffset, values.length * 2),
    hi: new Int32Array(values.buffer, values.byteOffset, values.length * 2),
  }
}

/**
 * The values as doubles: exact up to 2^53 in magnitude, rounded beyond.
 * @example toDoubles(BigInt64Array.of(5n, -2n)) // Float64Array [5, -2]
 */
export function toDoubles(values: BigInt64Array): Float64Array {
  const { lo, hi } = halves(values)
  const out = new Float64Array(values.length)
  for (let i = 0; i < out.length; i++) out[i] = hi[2 * i + 1] * 4294967296 + lo[2 * i]
  return out
}

/** b[i] - a[i] as doubles, exact while the difference stays below 2^53 (104 days in ns). */
export function differences(a: BigInt64Array, b: BigInt64Array): Float64Array {
  const x = halves(a)
  const y = halves(b)
  const out = new Float64Array(a.length)
  for (let i = 0; i < out.length; i++) out[i] = (y.hi[2 * i + 1] - x.hi[2 * i + 1]) * 4294967296 + (y.lo[2 * i] - x.lo[2 * i])
  return out
}

/**
 * The least and greatest value, comparing halves (one BigInt each at the end, not per value);
 * undefined for no values.
 * @example extent(BigInt64Array.of(5n, -2n, 9n)) // [-2n, 9n]
 */
export function extent(values: BigInt64Array): [bigint, bigint] | undefined {
  if (values.length === 0) return undefined
  const { lo, hi } = halves(values)
  let minH = hi[1]
  let minL = lo[0]
  let maxH = minH
  let maxL = minL
  for (let i = 1; i < values.length; i++) {
    const h = hi[2 * i + 1]
    const l = lo[2 * i]
    if (h < minH || (h === minH && l < minL)) {
      minH = h
      minL = l
    }
    if (h > maxH || (h === maxH && l > maxL)) {
      maxH = h
      maxL = l
    }
  }
  const join = (h: number, l: number) => (BigInt(h) << 32n) | BigInt(l)
  return [join(minH, minL), join(maxH, maxL)]
}

/**
 * A mask of the values in [start, end) (either bound optional), comparing halves.
 * @example inRange(times, 1793491200000000000n, undefined)
 */
export function inRange(values: BigInt64Array, start: bigint | undefined, end: bigint | undefined): Uint8Array {
  const { lo, hi } = halves(values)
  const out = new Uint8Array(values.length)
  const [sh, sl, eh, el] = bounds(start, end)
  for (let i = 0; i < out.length; i++) if (inside(hi[2 * i + 1], lo[2 * i], sh, sl, eh, el)) out[i] = 1
  return out
}

/** The halves of the bounds: high words signed, low words unsigned; absent bounds infinite. */
function bounds(start: bigint | undefined, end: bigint | undefined): [number, number, number, number] {
  const split = (x: bigint) => [Number(BigInt.asIntN(32, x >> 32n)), Number(BigInt.asUintN(32, x))]
  const [sh, sl] = start === undefined ? [-Infinity, 0] : split(start)
  const [eh, el] = end === undefined ? [Infinity, 0] : split(end)
  return [sh, sl, eh, el]
}

/**
 * Whether the value with halves (h, l) is in the bounds: a high word strictly between the
 * bounds' decides alone (all values but those within 4.3 s of a bound).
 */
function inside(h: number, l: number, sh: number, sl: number, eh: number, el: number): boolean {
  if (h > sh && h < eh) return true
  return (h > sh || (h === sh && l >= sl)) && (h < eh || (h === eh && l < el))
}
