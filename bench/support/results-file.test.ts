import { describe, expect, it } from 'vitest'
import { mergeResults } from './results-file.ts'

describe('bench/RESULTS.md regions', () => {
  const header = '# Benchmark results\n\n- date: today'
  it('creates the file with one region per benchmark', () => {
    const text = mergeResults('', header, [{ name: 'codec', markdown: '### Codec\n\nfast' }], 'run 1')
    expect(text).toBe('# Benchmark results\n\n- date: today\n\n<!-- bench:codec -->\n_run 1_\n\n### Codec\n\nfast\n<!-- /bench:codec -->\n')
  })

  it('replaces only the regions of the benchmarks run and keeps hand-written sections', () => {
    const first = mergeResults('', '# old header', [{ name: 'codec', markdown: '### Codec\n\nv1' }, { name: 'query', markdown: '### Query\n\nq1' }], 'run 1')
    const withNotes = first.replace('<!-- bench:query -->', '### Before and after\n\nhand-written\n\n<!-- bench:query -->')
    const second = mergeResults(withNotes, header, [{ name: 'query', markdown: '### Query\n\nq2' }], 'run 2')
    expect(second).toContain('- date: today')
    expect(second).not.toContain('# old header')
    expect(second).toContain('_run 1_\n\n### Codec\n\nv1')
    expect(second).toContain('### Before and after\n\nhand-written')
    expect(second).toContain('_run 2_\n\n### Query\n\nq2')
    expect(second).not.toContain('q1')
  })

  it('appends a benchmark that had no region yet', () => {
    const first = mergeResults('', header, [{ name: 'codec', markdown: '### Codec' }], 'run 1')
    const second = mergeResults(first, header, [{ name: 'soak', markdown: '### Soak' }], 'run 2')
    expect(second.indexOf('bench:codec')).toBeLessThan(second.indexOf('bench:soak'))
  })
})
