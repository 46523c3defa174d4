/**
 * @module test/support/collector-server
 * The real server in-process (`startServer`) on free ports with a temporary data directory and
 * a `collectors` section, and the Prometheus label helpers collector tests share.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../cli/config.ts'
import { startServer, type RunningServer } from '../../cli/serve.ts'
import type { CollectorsConfig } from '../../collectors/index.ts'
import { runQuery } from '../../query/index.ts'
import { localConfig } from './server-config.ts'

export interface CollectorServer {
  server: RunningServer
  /** http://host:port of the HTTP API. */
  url: string
  dir: string
  /** Runs a query in-process (tenant "default" unless given); rows as objects keyed by column name. */
  rows(query: string, tenant?: string): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

export async function startCollectorServer(collectors: CollectorsConfig, extra: Partial<Config> = {}): Promise<CollectorServer> {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-collectors-'))
  const server = await startServer(localConfig(join(dir, 'data'), 'collector test password', { collectors, ...extra }), { log: () => {} })
  return {
    server,
    url: `http://${server.addresses.http}`,
    dir,
    async rows(query, tenant = 'default') {
      const result = await runQuery(query, { store: server.store, tenant })
      return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])))
    },
    async close() {
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Key of a Prometheus series: its labels sorted. */
export function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** The Prometheus labels of a metric row queried back: name, job, instance and attributes. */
export function rowLabels(row: Record<string, unknown>): Record<string, string> {
  const labels: Record<string, string> = { __name__: String(row['metric.name']) }
  for (const [k, v] of Object.entries(row)) {
    if (v === null) continue
    if (k === 'resource.service.name') labels.job = String(v)
    else if (k === 'resource.service.instance.id') labels.instance = String(v)
    else if (k.startsWith('attr.')) labels[k.slice(5)] = String(v)
  }
  return labels
}
