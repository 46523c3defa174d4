/**
 * @module cli/collect-command
 * `blazedb collect`: runs the configured collectors (scrape, tail, host, syslog) on this host
 * and sends what they gather to a BlazeDB server over OTLP/HTTP. Tail positions are kept under
 * `<dataDir>/collectors`. Without a local store, a tailed batch in flight at a crash is sent
 * again with its idempotency key, which the server recognises (exactly once; collectors/README.md).
 */
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { otlpHttpSink, startCollectors } from '../collectors/index.ts'
import { ConfigError, loadConfig, type ConfigFlags } from './config.ts'

const FLAGS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  endpoint: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

export const COLLECT_USAGE = `Usage: blazedb collect --config FILE --endpoint URL [--token TOKEN] [--data-dir DIR]

Runs the collectors of the config file's "collectors" section (scrape, tail, host, syslog) and
sends their data to a BlazeDB server's OTLP/HTTP endpoint.
  --endpoint URL   OTLP/HTTP base URL, e.g. http://blazedb:4318 (env BLAZEDB_COLLECT_ENDPOINT)
  --token TOKEN    bearer token with scope ingest (env BLAZEDB_COLLECT_TOKEN)
  --data-dir DIR   where tail positions are kept, default ./data (env BLAZEDB_DATA_DIR)
`

export async function runCollectCommand(args: string[], out: (text: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: FLAGS, strict: true })
  if (values.help === true) {
    out(COLLECT_USAGE)
    return 0
  }
  const config = loadConfig({ config: values.config, 'data-dir': values['data-dir'] } as ConfigFlags, process.env)
  const endpoint = values.endpoint ?? process.env.BLAZEDB_COLLECT_ENDPOINT
  if (endpoint === undefined || !/^https?:\/\/[^/]+/.test(endpoint)) throw new ConfigError('endpoint', `expected an http(s) URL like http://blazedb:4318, got ${JSON.stringify(endpoint)}`)
  const token = values.token ?? process.env.BLAZEDB_COLLECT_TOKEN
  // No HTTP listener here: the remote-write receiver belongs to the server.
  const collectors = await startCollectors(
    { ...config.collectors, remoteWrite: { enabled: false } },
    { sink: otlpHttpSink({ endpoint, token }), stateDir: join(config.dataDir, 'collectors'), log: out },
  )
  out(`blazedb: collecting, sending to ${endpoint}\n`)
  await new Promise<void>((done) => {
    process.once('SIGINT', done)
    process.once('SIGTERM', done)
  })
  await collectors.close()
  return 0
}
