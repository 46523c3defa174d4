/**
 * @module ingest/otlp/string-cache
 * Decodes the UTF-8 strings of protobuf bodies, remembering short ones (names, keys and values
 * repeat): a hit returns the same string object, which column dictionaries then recognise by
 * identity. Invalid UTF-8 throws MALFORMED; strings enter the cache only once validated.
 */
import { malformed } from '../errors.ts'
import { CACHED_STRING_MAX_BYTES, STRING_CACHE_SLOTS } from '../limits.ts'
import { ByteCache } from './byte-cache.ts'

export class StringCache {
  private readonly cache = new ByteCache<string>(STRING_CACHE_SLOTS, CACHED_STRING_MAX_BYTES)
  /** One decoder for all strings; fatal so invalid UTF-8 is an error, BOM kept for losslessness. */
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

  /** The string of UTF-8 bytes `buf[start..end)`; `view` is a DataView over the same bytes. */
  decode(buf: Buffer, view: DataView, start: number, end: number, cache = true): string {
    if (start === end) return ''
    if (!cache || end - start > CACHED_STRING_MAX_BYTES) return this.decodeNew(buf, view, start, end)
    const hit = this.cache.get(buf, view, start, end)
    if (hit !== undefined) return hit
    const s = this.decodeNew(buf, view, start, end)
    this.cache.put(buf, start, end, s)
    return s
  }

  /**
   * Makes the string: ASCII (checked four bytes at a time), the usual case, is copied as Latin-1,
   * which maps those bytes to the same characters; anything else goes through the validating
   * UTF-8 decoder.
   */
  decodeNew(buf: Buffer, view: DataView, start: number, end: number): string {
    let bits = 0
    let i = start
    for (; i + 4 <= end; i += 4) bits |= view.getInt32(i, true)
    for (; i < end; i++) bits |= buf[i]
    if ((bits & 0x80808080) === 0) return buf.toString('latin1', start, end)
    try {
      return this.decoder.decode(buf.subarray(start, end))
    } catch (error) {
      throw malformed(`cannot decode a string at byte ${start}: invalid UTF-8`, error)
    }
  }
}
