/**
 * Dictionary codes by bytes: the same bytes get the same code wherever they sit, different bytes
 * never share one, also across the table's growth and with strings that came without bytes.
 */
import { expect, test } from 'vitest'
import { BytesDict } from './bytes-dict.ts'
import { StrWriter } from '../../storage/index.ts'

/** The code of `text` placed at `at` in a buffer of its own (adds it when new). */
function code(dict: BytesDict, text: string, at = 0): number {
  const bytes = Buffer.from(text, 'utf8')
  const buf = Buffer.alloc(at + bytes.length + 3, 0xee)
  bytes.copy(buf, at)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length)
  const found = dict.find(buf, view, at, at + bytes.length)
  return found >= 0 ? found : dict.add(view, at, at + bytes.length, text)
}

test('the same bytes anywhere get one code; others get their own', () => {
  const writer = new StrWriter()
  const dict = new BytesDict(writer, 4)
  const texts = Array.from({ length: 500 }, (_, i) => `GET /v1/products/${i} completed in ${i % 7} ms`)
  const codes = texts.map((t, i) => code(dict, t, i % 5))
  expect(new Set(codes).size).toBe(texts.length)
  texts.forEach((t, i) => expect(code(dict, t, (i + 2) % 9)).toBe(codes[i]))
  expect(code(dict, 'ünïcode ✓')).toBe(dict.codeOfString('ünïcode ✓'))
  expect(dict.codeOfString(texts[7])).toBe(codes[7])
  expect(code(dict, '')).toBe(code(dict, '', 3))
  expect(writer.dict.length).toBe(texts.length + 2)
  codes.forEach((c, i) => expect(writer.dict[c]).toBe(texts[i]))
})
