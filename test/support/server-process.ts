/**
 * @module test/support/server-process
 * Runs the real `blazedb serve` in a child process on free ports and learns its addresses from
 * the lines it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'

export const BIN = resolve(import.meta.dirname, '../../bin/blazedb.js')

export interface ServerProcess {
  child: ChildProcess
  http: string
  otlpHttp: string
  otlpGrpc: string
  /** Every line the server printed so far (stdout and stderr). */
  lines: string[]
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
  /** SIGKILL: a crash. */
  kill(): Promise<void>
}

/** Starts `blazedb serve` with the data directory and extra environment given. */
export function startServerProcess(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--http-addr', '127.0.0.1:0', '--otlp-http-addr', '127.0.0.1:0', '--otlp-grpc-addr', '127.0.0.1:0', ...args], {
    env: { ...process.env, BLAZEDB_PASSWORD: 'server test password', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: string[] = []
  const addresses: Record<string, string> = {}
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
  return new Promise((resolveStart, reject) => {
    const onLine = (line: string): void => {
      lines.push(line)
      const m = /^blazedb: (http|otlp-http|otlp-grpc) listening on (\S+)$/.exec(line)
      if (m !== null) addresses[m[1]] = m[2]
      if (addresses.http !== undefined && addresses['otlp-http'] !== undefined && addresses['otlp-grpc'] !== undefined) {
        resolveStart({
          child,
          http: addresses.http,
          otlpHttp: addresses['otlp-http'],
          otlpGrpc: addresses['otlp-grpc'],
          lines,
          stop: async () => {
            child.kill('SIGTERM')
            return exited
          },
          kill: async () => {
            child.kill('SIGKILL')
            await exited
          },
        })
      }
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', onLine)
    void exited.then((code) => reject(new Error(`blazedb serve exited with ${code} before listening:\n${lines.join('\n')}`)))
  })
}
