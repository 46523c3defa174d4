/**
 * @module test/support/alertmanager
 * Runs Debian's prometheus-alertmanager on 127.0.0.1 with a temporary configuration and
 * storage, clustering off, for tests that send it alerts.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, startProgram } from './child-program.ts'
import { waitFor } from './wait-for.ts'

export interface Alertmanager {
  url: string
  child: ChildProcess
  output: string[]
  stop(): Promise<void>
}

export async function startAlertmanager(program: string): Promise<Alertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-alertmanager-'))
  // Alertmanager needs a receiver; this one discards (its API still lists the alerts).
  writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: discard\nreceivers:\n  - name: discard\n')
  const port = await freePort()
  const am = startProgram(program, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='])
  const url = `http://127.0.0.1:${port}`
  try {
    await waitFor('alertmanager to be ready', async () => {
      if (am.child.exitCode !== null) throw new Error(`alertmanager exited with ${am.child.exitCode}:\n${am.output.join('')}`)
      return fetch(`${url}/-/ready`).then((r) => r.ok, () => false)
    })
  } catch (error) {
    am.child.kill('SIGKILL')
    await am.stop()
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    url,
    child: am.child,
    output: am.output,
    async stop() {
      await am.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
