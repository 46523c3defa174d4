import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../../test/support/random-batch.ts'
import { openEngine } from './engine.ts'

const WRITER = join(import.meta.dirname, '../../test/support/crash-writer.ts')
const dir = mkdtempSync(join(tmpdir(), 'blazedb-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the writer until it has acknowledged `acks` batches, then kills it with SIGKILL. */
function runAndKill(first: number, acks: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const acked: number[] = []
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^ack (\d+)$/.exec(line)
      if (m === null) return
      acked.push(Number(m[1]))
      if (acked.length === acks) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acked)
      else reject(new Error(`writer exited with ${code}: ${stderr}`))
    })
  })
}

describe('Engine under kill -9', () => {
  it('loses no acknowledged batch and always reopens', async () => {
    const rand = seededRandom(2026)
    const acknowledged = new Set<number>()
    let first = 0
    for (let round = 0; round < 4; round++) {
      const acked = await runAndKill(first, 5 + Math.floor(rand() * 40))
      for (const n of acked) acknowledged.add(n)
      first += 1000
      const engine = await openEngine({ dataDir: dir, password: 'crash', background: false })
      const rowsPerBatch = new Map<number, number>()
      for await (const batch of engine.scan({ tenant: 'default', signal: 'spans', columns: ['a:seq'] })) {
        const seq = batch.columns['a:seq']
        if (seq?.kind !== 'i64') throw new Error('a:seq is missing')
        for (const v of seq.values) rowsPerBatch.set(Number(v / 200n), (rowsPerBatch.get(Number(v / 200n)) ?? 0) + 1)
      }
      await engine.close()
      for (const n of acknowledged) expect(rowsPerBatch.get(n), `batch ${n} after round ${round}`).toBe(200)
      // A batch is one log record: present whole or not at all, never twice.
      for (const [n, rows] of rowsPerBatch) expect(rows, `batch ${n}`).toBe(200)
    }
  })
})
