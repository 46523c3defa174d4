/**
 * @module storage/utf8-strings
 * Big string dictionaries (a block's log bodies) kept as UTF-8 bytes (model.ts Utf8Strings)
 * rather than one JS string per entry: a third of the memory, nothing to make when a chunk is
 * decoded, and searched as bytes by the query engine. A column over them makes its `dict` the
 * first time it is read, and keeps it as long as that column object lives: caches hand out a
 * fresh column per use (`detachStrings`), so the strings one query made go with the query.
 */
import type { Column, Utf8Strings } from './model.ts'

type StrColumn = Extract<Column, { kind: 'str' }>

/** A Buffer over the same memory (for its native slicing and searching). */
export function utf8Buffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Every entry as a string. ASCII is decoded in one native call and cut into substrings. */
export function utf8All(strings: Utf8Strings): string[] {
  const { bytes, offsets } = strings
  const n = offsets.length - 1
  const out = new Array<string>(n)
  const buffer = utf8Buffer(bytes)
  if (strings.ascii) {
    const text = buffer.toString('latin1')
    for (let d = 0; d < n; d++) out[d] = text.slice(offsets[d], offsets[d + 1])
  } else {
    for (let d = 0; d < n; d++) out[d] = buffer.toString('utf8', offsets[d], offsets[d + 1])
  }
  return out
}

/**
 * A string column over `strings`: its `dict` is made on first read and kept by this object only.
 * @example utf8Column(strings, codes).dict[codes[0]]
 */
export function utf8Column(strings: Utf8Strings, codes: Uint32Array, present?: Uint8Array): StrColumn {
  let dict: string[] | undefined
  return {
    kind: 'str',
    // An own enumerable getter: a spread or structured clone of the column still has a dict.
    get dict() {
      return (dict ??= utf8All(strings))
    },
    codes,
    present,
    utf8: strings,
  }
}

/** `column` without the strings an earlier reader made of its bytes (what a cache hands out). */
export function detachStrings(column: Column): Column {
  return column.kind === 'str' && column.utf8 !== undefined ? utf8Column(column.utf8, column.codes, column.present) : column
}

/** Memory of the bytes form. */
export function utf8Bytes(strings: Utf8Strings): number {
  return strings.bytes.byteLength + strings.offsets.byteLength
}

/** Code in a subset of each entry, -1 where unused: all -1 between calls, so a subset of a few
 * rows costs no fill of a whole block's dictionary. */
let remapScratch = new Int32Array(0)

/**
 * The entries `codes` name, in a smaller Utf8Strings: `codes` is rewritten in place to index
 * it. Each entry is copied once however many rows use it (a taken subset of a block's bodies).
 */
export function utf8Subset(strings: Utf8Strings, codes: Uint32Array): Utf8Strings {
  const { bytes, offsets } = strings
  if (remapScratch.length < offsets.length - 1) remapScratch = new Int32Array(offsets.length - 1).fill(-1)
  const remap = remapScratch
  const used: number[] = []
  let total = 0
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]
    let code = remap[c]
    if (code < 0) {
      code = remap[c] = used.push(c) - 1
      total += offsets[c + 1] - offsets[c]
    }
    codes[i] = code
  }
  for (const c of used) remap[c] = -1
  const out = new Uint8Array(total)
  const outOffsets = new Uint32Array(used.length + 1)
  const source = utf8Buffer(bytes)
  const target = utf8Buffer(out)
  let at = 0
  for (let k = 0; k < used.length; k++) {
    outOffsets[k] = at
    at += source.copy(target, at, offsets[used[k]], offsets[used[k] + 1])
  }
  outOffsets[used.length] = at
  return { bytes: out, offsets: outOffsets, ascii: strings.ascii }
}
