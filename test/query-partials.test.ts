/**
 * `queryPartials` end to end: a server keeps blocks' partial aggregates on its query threads by
 * default, so a repeated count reads only what is new, and with `queryPartials: false` every
 * run scans every block; both answer alike, before and after new data arrives.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { startServer } from '../cli/serve.ts'
import type { Engine } from '../storage/index.ts'
import { localConfig } from './support/server-config.ts'
import { makeSpans, MINUTE, T0 } from './support/telemetry.ts'

interface Answer { rows: unknown[][]; stats: { rowsScanned: number; blocksSkipped: number } }

async function runs(partials: boolean | undefined): Promise<Answer[]> {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-query-partials-'))
  const config = { ...localConfig(join(dir, 'data'), 'partials test', { retention: { spans: '0', logs: '0', metrics: '0' } }), queryThreads: 1, ...(partials === undefined ? {} : { queryPartials: partials }) }
  const server = await startServer(config, { log: () => {} })
  try {
    const append = async (i: number, flush: boolean) => {
      await server.store.append('default', makeSpans(70_000, { start: T0 + BigInt(i) * 10n * MINUTE, step: 1_000_000n, firstSeq: i * 70_000, firstTrace: i * 10_000, seed: i + 1 }))
      if (flush) await (server.store as Engine).flush()
    }
    const post = async (): Promise<Answer> => {
      const body = JSON.stringify({ query: 'spans | where status = "error" | stats count() by service.name | sort service.name', start: T0.toString(), end: (T0 + 60n * MINUTE).toString() })
      const res = await fetch(`http://${server.addresses.http}/api/v1/query`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
      expect(res.status).toBe(200)
      return (await res.json()) as Answer
    }
    for (let i = 0; i < 3; i++) await append(i, true)
    const answers = [await post(), await post()]
    // New rows in the head (a flush may merge parts into new files, whose blocks are new to the cache).
    await append(3, false)
    answers.push(await post())
    return answers
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

test('query threads reuse blocks partial aggregates unless queryPartials is false', async () => {
  const kept = await runs(undefined)
  const scanned = await runs(false)
  for (let i = 0; i < 3; i++) expect(kept[i].rows).toEqual(scanned[i].rows)
  expect(kept[2].rows).not.toEqual(kept[1].rows)
  // Kept: the repeat reads no part block again; after new data, only the head's rows.
  expect(kept[1].stats.rowsScanned).toBe(0)
  expect(kept[1].stats.blocksSkipped).toBeGreaterThan(kept[0].stats.blocksSkipped)
  expect(kept[2].stats.rowsScanned).toBeLessThan(scanned[2].stats.rowsScanned / 2)
  // Off: every run scans every row.
  expect(scanned[1].stats.rowsScanned).toBe(scanned[0].stats.rowsScanned)
  expect(scanned[2].stats.rowsScanned).toBeGreaterThan(scanned[1].stats.rowsScanned)
})
