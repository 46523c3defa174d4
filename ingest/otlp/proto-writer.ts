/**
 * @module ingest/otlp/proto-writer
 * The few protobuf messages the gateway writes: export responses with partial success,
 * google.rpc.Status error bodies and gRPC RetryInfo. Small enough to build byte by byte.
 */

function varint(out: number[], value: number): void {
  while (value > 127) {
    out.push((value % 128) | 128)
    value = Math.floor(value / 128)
  }
  out.push(value)
}

/** Appends field `field` as a varint. */
export function writeVarintField(out: number[], field: number, value: number): void {
  if (value === 0) return
  varint(out, field << 3)
  varint(out, value)
}

/** Appends field `field` as length-delimited bytes (an embedded message or a string). */
export function writeBytesField(out: number[], field: number, bytes: Uint8Array | number[]): void {
  varint(out, (field << 3) | 2)
  varint(out, bytes.length)
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i])
}

export function writeStringField(out: number[], field: number, text: string): void {
  if (text !== '') writeBytesField(out, field, Buffer.from(text, 'utf8'))
}
