/**
 * The repository needs nothing outside itself: no source or test file names a folder beside
 * the clone (the reference workload there is for benchmarks in bench/ only) or an absolute
 * path of one machine, so `npm test` passes in a clone placed anywhere.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const SKIP = new Set(['node_modules', 'bench', 'data', '.git'])
// Built from parts so that this file does not match itself.
const OUTSIDE = new RegExp(['\\.\\./', 'shared', '/', '|', '/', 'work', '/'].join(''))

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return []
    const path = join(dir, e.name)
    return e.isDirectory() ? files(path) : e.name.endsWith('.ts') ? [path] : []
  })
}

describe('self-contained', () => {
  it('no TypeScript file outside bench/ names the reference workload beside the clone or an absolute path', () => {
    const found = files(ROOT).flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (OUTSIDE.test(line) ? [`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`] : [])),
    )
    expect(found).toEqual([])
  })
})
