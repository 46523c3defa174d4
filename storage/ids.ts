/**
 * @module storage/ids
 * Trace and span ids: 16 and 8 bytes, written as lowercase hex.
 */

export const TRACE_ID_BYTES = 16
export const SPAN_ID_BYTES = 8

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex of `bytes`. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]]
  return s
}

/** Bytes of a hex string, or undefined when it is not an even-length hex string. */
export function hexToBytes(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** True when every byte is zero: OTLP's "no id". */
export function isZeroId(bytes: Uint8Array, offset = 0, width = bytes.length): boolean {
  for (let i = offset; i < offset + width; i++) if (bytes[i] !== 0) return false
  return true
}
