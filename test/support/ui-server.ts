/**
 * @module test/support/ui-server
 * The real server in-process (startServer on free ports, a temporary data directory) for the
 * web UI's browser tests, and a poll for data to become queryable.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../cli/config.ts'
import { startServer, type RunningServer } from '../../cli/serve.ts'
import { localConfig } from './server-config.ts'
import { waitFor } from './wait-for.ts'

export interface UiServer {
  readonly server: RunningServer
  readonly dataDir: string
  /** http://127.0.0.1:port */
  readonly origin: string
  readonly otlpHttp: string
  /** Stops the server; keeps the data directory when `keepData` (for a restart). */
  stop(keepData?: boolean): Promise<void>
}

export async function startUiServer(overrides: Partial<Config> = {}, dataDir = mkdtempSync(join(tmpdir(), 'blazedb-ui-'))): Promise<UiServer> {
  const server = await startServer(localConfig(dataDir, 'ui test password', overrides), { log: () => {} })
  return {
    server,
    dataDir,
    origin: `http://${server.addresses.http}`,
    otlpHttp: server.addresses.otlpHttp!,
    async stop(keepData = false) {
      await server.close()
      if (!keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** Polls `POST /api/v1/query` until `query` returns at least `rows` rows, or fails after `deadlineMs`. */
export async function waitForRows(origin: string, query: string, rows: number, deadlineMs = 20_000, token?: string): Promise<unknown[][]> {
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` }
  return waitFor(`${rows} rows of ${query}`, async () => {
    const res = await fetch(`${origin}/api/v1/query`, { method: 'POST', body: JSON.stringify({ query }), headers: { 'content-type': 'application/json', ...auth } })
    const last = await res.json()
    const got = (last as { rows?: unknown[][] }).rows
    if (got === undefined || got.length < rows) throw new Error(`last answer ${JSON.stringify(last).slice(0, 300)}`)
    return got
  }, deadlineMs, 100)
}
