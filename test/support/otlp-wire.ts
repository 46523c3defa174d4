/**
 * @module test/support/otlp-wire
 * Hand-built protobuf bytes for hostile-input tests: messages no encoder would write (wrong
 * wire types, invalid UTF-8, lying lengths).
 */

function varint(n: number): number[] {
  const out: number[] = []
  while (n > 127) {
    out.push((n & 127) | 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}

/** A length-delimited field holding `parts` concatenated. */
export function field(num: number, ...parts: (number[] | Uint8Array)[]): number[] {
  const body = parts.flatMap((p) => Array.from(p))
  return [...varint((num << 3) | 2), ...varint(body.length), ...body]
}

/** A varint field. */
export function varintField(num: number, value: number): number[] {
  return [...varint(num << 3), ...varint(value)]
}

/** An ExportTraceServiceRequest with one span made of `spanFields`. */
export function traceRequest(...spanFields: number[][]): Uint8Array {
  return Uint8Array.from(field(1, field(2, field(2, ...spanFields))))
}
