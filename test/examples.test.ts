/** The examples run as they are. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { loadConfig } from '../cli/config.ts'

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

it('examples/collectors/*.json are valid server configurations', () => {
  const dir = join(ROOT, 'examples/collectors')
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'))
  expect(files.length).toBe(7)
  for (const file of files) {
    const config = loadConfig({ config: join(dir, file) }, {})
    expect(Object.keys(config.collectors).length, file).toBeGreaterThan(0)
  }
})
