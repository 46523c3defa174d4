/**
 * @module ingest/otlp-http/body
 * Reads a request body within the size limit and undoes its Content-Encoding (gzip, deflate,
 * zstd), bounding the decompressed size too, so a small gzip bomb cannot fill memory.
 */
import type { IncomingMessage } from 'node:http'
import { promisify } from 'node:util'
import zlib from 'node:zlib'
import { IngestError, malformed } from '../errors.ts'
import type { InflightLease } from '../inflight.ts'
import { MAX_DRAIN_BYTES } from '../limits.ts'

type Decompress = (buffer: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>

const DECOMPRESSORS: Readonly<Record<string, Decompress>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  zstd: promisify(zlib.zstdDecompress),
}

/** Content-Encoding values accepted, for the 415 message. */
export const SUPPORTED_ENCODINGS = ['identity', ...Object.keys(DECOMPRESSORS)]

/** The decompressor for a Content-Encoding header, undefined for identity; throws 415 for others. */
export function decompressorFor(header: string | undefined): Decompress | undefined {
  const coding = (header ?? '').trim().toLowerCase()
  if (coding === '' || coding === 'identity') return undefined
  const d = DECOMPRESSORS[coding]
  if (d === undefined) {
    throw new IngestError('UNSUPPORTED_MEDIA_TYPE', `cannot read content encoding ${JSON.stringify(coding.slice(0, 40))}, supported: ${SUPPORTED_ENCODINGS.join(', ')}`)
  }
  return d
}

function tooLarge(limit: number, what: string): IngestError {
  return new IngestError('TOO_LARGE', `cannot accept the request: its ${what} is larger than the limit of ${limit} bytes`)
}

/**
 * Reads the raw body, counting it against `lease`; throws TOO_LARGE past `limit`, but only
 * once the rest of the body is read and thrown away (up to MAX_DRAIN_BYTES), so that the
 * client, still sending, can read the 413 (see MAX_DRAIN_BYTES).
 */
export function readRawBody(req: IncomingMessage, limit: number, lease: InflightLease): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN)
  if (declared > limit) return drain(req, 0, tooLarge(limit, 'body'))
  try {
    if (declared > 0) lease.grow(declared)
  } catch (error) {
    return Promise.reject(error)
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const fail = (error: unknown) => {
      req.off('data', onData)
      req.off('end', onEnd)
      reject(error)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.off('end', onEnd)
        chunks.length = 0
        drain(req, size, tooLarge(limit, 'body')).catch(reject)
        return
      }
      try {
        if (!(declared >= size)) lease.grow(chunk.length)
      } catch (error) {
        return fail(error)
      }
      chunks.push(chunk)
    }
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))
    req.on('data', onData)
    req.once('end', onEnd)
    req.once('error', (error) => fail(malformed(`cannot read the request body: ${error.message}`, error)))
  })
}

/**
 * Reads and discards the rest of the body (`read` bytes of it already read), then rejects with
 * `error`: at its end, at MAX_DRAIN_BYTES, or when the client goes away.
 */
function drain(req: IncomingMessage, read: number, error: IngestError): Promise<never> {
  return new Promise((_, reject) => {
    let size = read
    const done = () => {
      req.off('data', onData)
      reject(error)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_DRAIN_BYTES) {
        req.pause()
        done()
      }
    }
    if (req.complete) return done()
    req.on('data', onData)
    req.once('end', done)
    req.once('error', done)
    req.once('close', done)
  })
}

/** Undoes the content encoding within `limit` decompressed bytes. */
export async function decompress(raw: Buffer, decompressor: Decompress | undefined, limit: number, lease: InflightLease, coding: string): Promise<Buffer> {
  if (decompressor === undefined) return raw
  let out: Buffer
  try {
    out = await decompressor(raw, { maxOutputLength: limit })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit, 'decompressed body')
    throw malformed(`cannot decompress the ${coding} body: ${(error as Error).message}`, error)
  }
  lease.grow(out.length)
  return out
}
