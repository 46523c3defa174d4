/**
 * @module test/support/child-program
 * System programs a test runs beside the server (Prometheus, node exporter, Alertmanager):
 * a free port to give them, and a child process whose output is kept and that the test stops.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** A port free right now (for programs that cannot report the port they bound). */
export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => done(port))
    })
  })
}

export interface ChildProgram {
  child: ChildProcess
  output: string[]
  stop(): Promise<void>
}

/** Starts a program whose output is kept for failure messages; `stop` sends SIGTERM and waits. */
export function startProgram(path: string, args: string[]): ChildProgram {
  const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()))
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  const exited = new Promise<void>((done) => child.once('exit', () => done()))
  return {
    child,
    output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
