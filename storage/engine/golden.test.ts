/**
 * Data written by an earlier release stays readable: the storage/testdata/data-dir-v<N> folders are data
 * directories written once by test/support/golden-data-dir.ts (part files of every signal, and
 * acknowledged rows left in the write-ahead log only). Today's code must open each, replay its
 * log and read back exactly the rows it was given; a changed layout that misreads them fails
 * here rather than in a user's data directory.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { collect, rowsOf } from '../../test/support/telemetry.ts'
import { digestRows, GOLDEN_NOW, GOLDEN_PASSWORD, SIGNALS, type GoldenRows } from '../../test/support/golden-data-dir.ts'
import { openEngine } from './engine.ts'
import { verifyDataDir } from './verify.ts'

const TESTDATA = join(import.meta.dirname, '..', 'testdata')
const GOLDEN = readdirSync(TESTDATA).filter((d) => d.startsWith('data-dir-v'))

const copies: string[] = []
afterEach(() => {
  for (const d of copies.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A copy to open: opening replays the log and writes, and the golden files must not change. */
function copyOf(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), `blazedb-${version}-`))
  copies.push(dir)
  cpSync(join(TESTDATA, version), dir, { recursive: true })
  return dir
}

describe('golden data directories', () => {
  it('there is one for format version 1', () => {
    expect(GOLDEN).toContain('data-dir-v1')
  })

  for (const version of GOLDEN) {
    describe(version, () => {
      const expected = JSON.parse(readFileSync(join(TESTDATA, version, 'expected.json'), 'utf8')) as Record<string, GoldenRows>

      it('holds part files and a write-ahead log, and verifies clean', async () => {
        const dir = copyOf(version)
        const report = await verifyDataDir(dir, GOLDEN_PASSWORD)
        expect(report.problems).toEqual([])
        expect(report.parts).toBeGreaterThanOrEqual(3)
        expect(report.walRecords).toBeGreaterThanOrEqual(3)
        expect(report.rows + 500).toBeLessThanOrEqual(SIGNALS.reduce((n, s) => n + expected[s].rows, 0))
      })

      it('reads back every row it was given', async () => {
        const dir = copyOf(version)
        const engine = await openEngine({ dataDir: dir, password: GOLDEN_PASSWORD, background: false, now: () => GOLDEN_NOW })
        try {
          for (const signal of SIGNALS) {
            const rows = rowsOf(await collect(engine.scan({ tenant: 'default', signal })))
            expect(digestRows(rows), signal).toEqual(expected[signal])
          }
        } finally {
          await engine.close()
        }
      })

      it('refuses a wrong password instead of reading', async () => {
        const dir = copyOf(version)
        await expect(openEngine({ dataDir: dir, password: 'not it', background: false, now: () => GOLDEN_NOW })).rejects.toThrow()
        expect(existsSync(join(dir, 'expected.json'))).toBe(true)
      })
    })
  }
})
