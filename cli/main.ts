/**
 * @module cli/main
 * The `blazedb` command: parses the subcommand and its flags and runs it.
 */
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type ConfigFlags } from './config.ts'
import { startServer } from './serve.ts'
import { execWithServerSettings } from './runtime.ts'
import { runQueryCommand } from './query-command.ts'
import { runInspect, runVacuum, runVerify } from './storage-commands.ts'
import { runCollectCommand } from './collect-command.ts'

const CONFIG_FLAGS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  password: { type: 'string' },
  'key-file': { type: 'string' },
  'otlp-grpc-addr': { type: 'string' },
  'otlp-http-addr': { type: 'string' },
  'http-addr': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

const USAGE = `Usage: blazedb <command> [flags]

Commands:
  serve     run the server: OTLP gateway, storage engine and HTTP API
  query     ask the running server a query, or read a data directory no server runs on
            with --data-dir (blazedb query --help)
  verify    check every checksum and authentication tag of the data directory
  vacuum    compact every partition now (with the server stopped)
  inspect   print partitions, parts, blocks, sizes and compression ratios (--json)
  collect   run collectors on this host, sending to a server over OTLP (blazedb collect --help)
  help      show this help

Configuration flags (also: a JSON config file, or environment variables):
  --config FILE          JSON config file (env BLAZEDB_CONFIG)
  --data-dir DIR         data directory, default ./data (env BLAZEDB_DATA_DIR)
  --password TEXT        encryption password (env BLAZEDB_PASSWORD)
  --key-file FILE        file holding the encryption password (env BLAZEDB_KEY_FILE)
  --otlp-grpc-addr H:P   OTLP/gRPC listen address, default 127.0.0.1:4317 (env BLAZEDB_OTLP_GRPC_ADDR)
  --otlp-http-addr H:P   OTLP/HTTP listen address, default 127.0.0.1:4318 (env BLAZEDB_OTLP_HTTP_ADDR)
  --http-addr H:P        HTTP API and /healthz, default 127.0.0.1:4319 (env BLAZEDB_HTTP_ADDR)
A port of 0 picks a free port; the server prints the address it bound.
`

export async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv
  switch (command) {
    case 'serve':
      return runServe(rest)
    case 'query':
      return runQueryCommand(rest, (t) => process.stdout.write(t), (t) => process.stderr.write(t))
    case 'verify':
    case 'vacuum':
    case 'inspect': {
      const { values } = parseArgs({ args: rest, options: CONFIG_FLAGS, strict: true })
      if (values.help === true) return usage()
      const config = loadConfig(values as ConfigFlags, process.env)
      if (command === 'verify') return runVerify(config)
      if (command === 'vacuum') return runVacuum(config)
      return runInspect(config, values.json === true)
    }
    case 'collect':
      return runCollectCommand(rest, (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`))
    case 'help':
    case '--help':
    case '-h':
      return usage()
    default:
      process.stderr.write(`blazedb: unknown command ${JSON.stringify(command)}\n\n${USAGE}`)
      return 2
  }
}

function usage(): number {
  process.stdout.write(USAGE)
  return 0
}

async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: CONFIG_FLAGS, strict: true })
  if (values.help === true) return usage()
  execWithServerSettings()
  const config = loadConfig(values as ConfigFlags, process.env)
  // SIGHUP re-reads the TLS files (they are also checked every few seconds). The handler is
  // there before the listeners print their addresses, so a SIGHUP never stops the server.
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  if (config.tlsCertFile !== undefined) process.on('SIGHUP', () => server?.reloadTls())
  server = await startServer(config)
  await new Promise<void>((resolveSignal) => {
    process.once('SIGINT', resolveSignal)
    process.once('SIGTERM', resolveSignal)
  })
  await server.close()
  return 0
}

export function reportError(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`blazedb: ${error.message}\n`)
    return 2
  }
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`blazedb: ${error.message}\n\n${USAGE}`)
    return 2
  }
  const e = error as Error & { code?: string }
  process.stderr.write(`blazedb: ${e.code !== undefined ? `[${e.code}] ` : ''}${e.message ?? String(error)}\n`)
  return 1
}
