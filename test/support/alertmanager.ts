/**
 * @module test/support/alertmanager
 * Runs Debian's prometheus-alertmanager on 127.0.0.1 with a temporary configuration and
 * storage, clustering off, for tests that send it alerts.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from './webhook-receiver.ts'

export interface Alertmanager {
  url: string
  child: ChildProcess
  output: string[]
  stop(): Promise<void>
}

/** A port free right now (Alertmanager does not report the port it bound for :0). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

export async function startAlertmanager(program: string): Promise<Alertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-alertmanager-'))
  // Alertmanager needs a receiver; this one discards (its API still lists the alerts).
  writeFileSync(join(dir, 'alertmanager.yml'), 'route:\n  receiver: discard\nreceivers:\n  - name: discard\n')
  const port = await freePort()
  const child = spawn(program, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  const url = `http://127.0.0.1:${port}`
  try {
    await waitFor('alertmanager to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${output.join('')}`)
      return fetch(`${url}/-/ready`).then((r) => r.ok, () => false)
    })
  } catch (error) {
    child.kill('SIGKILL')
    await exited
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    url,
    child,
    output,
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
