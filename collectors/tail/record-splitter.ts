/**
 * @module collectors/tail/record-splitter
 * Cuts bytes read from a file into records: complete lines, grouped into multi-line records
 * (stack traces). A line starts a new record when it matches `start` (when configured), else
 * when it is not a continuation: by default a line beginning with whitespace, `Caused by:` or
 * `... N more` continues the record before it (Java, Python and Node.js stack traces).
 */

export const DEFAULT_CONTINUATION = /^(\s|Caused by:|\.\.\. \d+ more)/

export interface SplitRecord {
  text: string
  /** Byte offsets in the file: [start, end) including the final newline. */
  start: number
  end: number
}

export interface SplitOptions {
  /** A line matching it starts a record; overrides `continuation`. */
  start?: RegExp
  continuation?: RegExp
}

/**
 * Splits `bytes` (read from file offset `base`) into records. A trailing line without a
 * newline is left out unless `final` (the file will not grow: it was rotated away). The last
 * record is left out when `holdLast` (more lines may continue it); the caller reads it again
 * next time from its start. Blank records are returned too (their bytes are consumed); the
 * caller skips them.
 */
export function splitRecords(bytes: Uint8Array, base: number, options: SplitOptions, final: boolean, holdLast: boolean): SplitRecord[] {
  const decoder = new TextDecoder('utf-8')
  const records: SplitRecord[] = []
  let current: { lines: string[]; start: number; end: number } | undefined
  let pos = 0
  while (pos < bytes.length) {
    let nl = bytes.indexOf(0x0a, pos)
    if (nl < 0) {
      if (!final) break
      nl = bytes.length
    }
    let line = decoder.decode(bytes.subarray(pos, nl))
    if (line.endsWith('\r')) line = line.slice(0, -1)
    const end = Math.min(nl + 1, bytes.length)
    const startsRecord = current === undefined || (options.start !== undefined ? options.start.test(line) : !(options.continuation ?? DEFAULT_CONTINUATION).test(line))
    if (startsRecord) {
      if (current !== undefined) records.push({ text: joinLines(current.lines), start: base + current.start, end: base + current.end })
      current = { lines: [line], start: pos, end }
    } else {
      current!.lines.push(line)
      current!.end = end
    }
    pos = end
  }
  if (current !== undefined && !holdLast) records.push({ text: joinLines(current.lines), start: base + current.start, end: base + current.end })
  return records
}

/** A record's lines; blank lines at its end (between records) are not part of it. */
function joinLines(lines: string[]): string {
  let n = lines.length
  while (n > 1 && lines[n - 1].trim() === '') n--
  return lines.slice(0, n).join('\n')
}
