import { describe, expect, it } from 'vitest'
import { parseExposition } from '../scrape/exposition-parser.ts'
import { writePromText } from './prom-text-writer.ts'

describe('writePromText', () => {
  it('writes families that the exposition parser reads back, escapes included', () => {
    const text = writePromText([
      { name: 'a_total', help: 'Line one\\two\nthree', type: 'counter', samples: [{ labels: { path: 'C:\\x "y"\nz' }, value: 3 }] },
      { name: 'empty', help: 'none', type: 'gauge', samples: [] },
      { name: 'h', help: 'h', type: 'histogram', samples: [{ suffix: '_bucket', labels: { le: '+Inf' }, value: Infinity }, { suffix: '_sum', value: NaN }] },
    ])
    expect(text).toBe('# HELP a_total Line one\\\\two\\nthree\n# TYPE a_total counter\na_total{path="C:\\\\x \\"y\\"\\nz"} 3\n# HELP h h\n# TYPE h histogram\nh_bucket{le="+Inf"} +Inf\nh_sum NaN\n')
    const back = parseExposition(text, 'text')
    expect(back.samples[0]).toEqual({ name: 'a_total', labels: [['path', 'C:\\x "y"\nz']], value: 3 })
    expect(back.families.get('a_total')).toEqual({ type: 'counter', help: 'Line one\\two\nthree', unit: '' })
  })
})
