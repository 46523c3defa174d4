/**
 * @module query/utf8-match
 * String matches decided on a dictionary's UTF-8 bytes (storage's Utf8Strings: a block's log
 * bodies), with no string made: one native search (Buffer.indexOf) runs over all the entries
 * at once, and each hit is placed in its entry by the offsets. Byte matches equal string
 * matches here: UTF-8 is a prefix-free encoding, so a string holds a substring exactly where
 * its bytes hold the substring's bytes, at a character boundary.
 */
import { utf8Buffer, type Utf8Strings } from '../storage/index.ts'

/** The matches bytes decide, by the positive op (the `not` form and `!=` complement it). */
const POSITIVE: Readonly<Record<string, 'contains' | 'startswith' | 'endswith' | '=' | undefined>> = {
  contains: 'contains',
  'not contains': 'contains',
  startswith: 'startswith',
  'not startswith': 'startswith',
  endswith: 'endswith',
  'not endswith': 'endswith',
  '=': '=',
  '!=': '=',
}

/**
 * 1 for each entry `x` of `strings` where `x op value` holds, as matchScalar would say of the
 * strings; undefined where bytes do not decide it (other ops, a value that is not a string or
 * not well-formed UTF-16).
 * @example utf8Table('contains', bodies, 'timeout')
 */
export function utf8Table(op: string, strings: Utf8Strings, value: unknown): Uint8Array | undefined {
  const positive = POSITIVE[op]
  // A lone surrogate would be encoded as U+FFFD, which stored text may hold: strings decide.
  if (positive === undefined || typeof value !== 'string' || !value.isWellFormed()) return undefined
  const { bytes, offsets } = strings
  const n = offsets.length - 1
  const table = new Uint8Array(n)
  const needle = Buffer.from(value, 'utf8')
  const m = needle.length
  if (m === 0) {
    // Every string contains, starts and ends with ""; only "" equals it.
    if (positive === '=') for (let d = 0; d < n; d++) table[d] = offsets[d] === offsets[d + 1] ? 1 : 0
    else table.fill(1)
  } else {
    const haystack = utf8Buffer(bytes)
    let d = 0
    let from = 0
    for (;;) {
      const at = haystack.indexOf(needle, from)
      if (at < 0) break
      while (offsets[d + 1] <= at) d++
      const start = offsets[d]
      const end = offsets[d + 1]
      if (at + m > end) {
        // Runs on into the next entry: no match of this one here.
        from = at + 1
        continue
      }
      // The first hit in an entry settles every op but endswith: a later one cannot start it.
      if (positive === 'contains') table[d] = 1
      else if (positive === 'startswith') table[d] = at === start ? 1 : 0
      else if (positive === '=') table[d] = at === start && at + m === end ? 1 : 0
      else if (at + m === end) table[d] = 1
      else {
        from = at + 1
        continue
      }
      from = end
    }
  }
  if (op !== positive) for (let d = 0; d < n; d++) table[d] ^= 1
  return table
}
