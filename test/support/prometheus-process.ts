/**
 * @module test/support/prometheus-process
 * A real Prometheus for the remote-write tests: scraping one job every second and
 * remote-writing to a BlazeDB, with its HTTP API for instant queries.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, startProgram, type ChildProgram } from './child-program.ts'

export interface PrometheusProcess {
  program: ChildProgram
  /** The result of an instant query at `time` (seconds since the epoch). */
  query<T>(query: string, time: number): Promise<T[]>
  stop(): Promise<void>
}

export interface PrometheusOptions {
  /** The program (systemTool's answer). */
  path: string
  /** Where its configuration and TSDB go. */
  dir: string
  job: string
  target: string
  /** URL of BlazeDB's remote-write endpoint. */
  remoteWriteUrl: string
  /** More `remote_write` lines (indented four spaces) and command-line flags. */
  remoteWrite?: string[]
  flags?: string[]
}

export async function startPrometheus(o: PrometheusOptions): Promise<PrometheusProcess> {
  const port = await freePort()
  const config = join(o.dir, 'prometheus.yml')
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s }',
      'scrape_configs:',
      `  - job_name: ${o.job}`,
      `    static_configs: [{ targets: ['${o.target}'] }]`,
      'remote_write:',
      `  - url: ${o.remoteWriteUrl}`,
      '    queue_config: { batch_send_deadline: 1s, max_samples_per_send: 50, min_backoff: 100ms, max_backoff: 1s }',
      ...(o.remoteWrite ?? []).map((line) => `    ${line}`),
      '',
    ].join('\n'),
  )
  const program = startProgram(o.path, [`--config.file=${config}`, `--storage.tsdb.path=${join(o.dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${port}`, ...(o.flags ?? [])])
  return {
    program,
    async query<T>(query: string, time: number): Promise<T[]> {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?${new URLSearchParams({ query, time: String(time) })}`)
      const body = (await res.json()) as { status: string; data: { result: T[] } }
      if (body.status !== 'success') throw new Error(JSON.stringify(body))
      return body.data.result
    },
    stop: () => program.stop(),
  }
}
