/** The examples run as they are. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')

it('examples/storage-basics.ts writes spans and reads them back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-example-test-'))
  try {
    const out = execFileSync(process.execPath, [join(ROOT, 'examples/storage-basics.ts'), join(dir, 'data')], { encoding: 'utf8' })
    expect(out).toMatch(/GET \/cart/)
    expect(out).toMatch(/SELECT carts/)
    expect(out).toMatch(/trace 0102030405060708090a0b0c0d0e0f10 has 3 spans/)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

it('examples/workload-queries.ts loads the test workload and answers its questions', () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'examples/workload-queries.ts')], { encoding: 'utf8' })
  expect(out).toMatch(/^loaded \d+ spans, 5000 log records, \d+ metric points/)
  expect(out).toMatch(/service\.name\tspans\terrors\n[a-z-]+\t\d+\t\d+\n/)
  expect(out).toMatch(/span\.name\tcount\n.+\t\d+/)
})
