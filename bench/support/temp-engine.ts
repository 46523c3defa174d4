/**
 * @module bench/support/temp-engine
 * The storage engine in a fresh temporary data directory, removed again when it is closed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openEngine, type Engine } from '../../storage/index.ts'

export async function openTempEngine(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-bench-'))
  const engine = await openEngine({ dataDir: dir, password: 'bench' })
  const close = engine.close.bind(engine)
  engine.close = async () => {
    await close()
    rmSync(dir, { recursive: true, force: true })
  }
  return engine
}
