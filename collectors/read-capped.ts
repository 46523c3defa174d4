/**
 * @module collectors/read-capped
 * Reads an HTTP body up to a size limit, so that a body without (or lying about) its
 * Content-Length cannot take more memory than the limit.
 */
import { CollectorError } from './errors.ts'

/** The body's bytes; throws CollectorError TOO_LARGE past `max` bytes, naming `what`. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, max: number, what: string): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel()
      throw new CollectorError('TOO_LARGE', `cannot read ${what}: over the limit of ${max} bytes`)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}
