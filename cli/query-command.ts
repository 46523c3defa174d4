/**
 * @module cli/query-command
 * `blazedb query '<query>'`: asks the running server (the configured HTTP address, or --server
 * URL) by default; with --data-dir it opens the data directory itself, which only works while
 * no server holds it. Prints the rows as a table, JSON or CSV.
 */
import { parseArgs } from 'node:util'
import { connect, parseApiTime, QueryError, type QueryResult } from '../query/index.ts'
import { StorageError } from '../storage/index.ts'
import { loadConfig, parseAddr, type Config, type ConfigFlags } from './config.ts'
import { openStore } from './open-store.ts'

export const QUERY_USAGE = `Usage: blazedb query '<query>' [flags]

By default the query goes to the running server, at the configured HTTP address.

  --http-addr H:P     the server's HTTP address, default 127.0.0.1:4319 (env BLAZEDB_HTTP_ADDR)
  --server URL        the server's URL instead (e.g. https://blazedb.example:4319)
  --token TOKEN       bearer token, when the server has tokens (env BLAZEDB_TOKEN)
  --data-dir DIR      open this data directory instead of asking a server (only while no
                      server runs on it)
  --config FILE       JSON config file (its httpAddr, TLS and key settings are used)
  --tenant NAME       tenant to read with --data-dir, default "default"
  --start TIME        range start, RFC 3339 or epoch nanoseconds
  --end TIME          range end (exclusive)
  --format FORMAT     table (default), json or csv
`

const FLAGS = {
  server: { type: 'string' },
  'http-addr': { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  tenant: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const FORMATS = ['table', 'json', 'csv'] as const
type Format = (typeof FORMATS)[number]

/**
 * Runs the subcommand; returns the exit code. Output goes to `out`, errors to `err`.
 * @example await runQueryCommand(['spans | limit 3', '--format', 'json'], process.stdout.write.bind(process.stdout), console.error)
 */
export async function runQueryCommand(args: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: true })
  if (values.help === true || positionals.length !== 1) {
    ;(values.help === true ? out : err)(QUERY_USAGE)
    return values.help === true ? 0 : 2
  }
  const format = (values.format ?? 'table') as Format
  if (!FORMATS.includes(format)) {
    err(`blazedb: --format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(values.format)}\n`)
    return 2
  }
  const text = positionals[0]
  let result: QueryResult
  try {
    const range = { start: parseApiTime('--start', values.start), end: parseApiTime('--end', values.end) }
    const config = loadConfig({ 'data-dir': values['data-dir'], 'http-addr': values['http-addr'], config: values.config } as ConfigFlags, process.env)
    if (values['data-dir'] === undefined) {
      const url = values.server ?? serverUrl(config)
      const db = connect(url, { token: values.token ?? process.env.BLAZEDB_TOKEN })
      try {
        result = await db.run(text, range)
      } catch (error) {
        if (error instanceof QueryError) throw error
        const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message
        err(`blazedb: cannot reach the server at ${url}: ${cause}. Start it with \`blazedb serve\`, or pass --data-dir to read a data directory no server runs on.\n`)
        return 1
      }
    } else {
      let store
      try {
        store = await openStore(config, (line) => err(`${line}\n`))
      } catch (error) {
        if (!(error instanceof StorageError) || error.code !== 'IN_USE') throw error
        err(`blazedb: cannot open ${config.dataDir}: the data directory is in use by a running server; run without --data-dir to ask it\n`)
        return 1
      }
      try {
        result = await connect(store, { tenant: values.tenant }).run(text, range)
      } finally {
        await store.close()
      }
    }
  } catch (error) {
    if (!(error instanceof QueryError)) throw error
    err(`blazedb: [${error.code}] ${error.format()}\n`)
    return 1
  }
  out(render(result, format))
  if (format === 'table') err(`${result.rows.length} rows${result.stats.truncated ? ' (truncated)' : ''}, ${result.stats.rowsScanned} scanned, ${result.stats.elapsedMs.toFixed(1)} ms\n`)
  return 0
}

/** The URL of the server the configuration describes; a wildcard listen address is asked on loopback. */
export function serverUrl(config: Config): string {
  const { host, port } = parseAddr('httpAddr', config.httpAddr)
  const reachable = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host
  const scheme = config.tlsCertFile !== undefined ? 'https' : 'http'
  return `${scheme}://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`
}

function text(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** The result as text in `format`. */
export function render(result: QueryResult, format: Format): string {
  const names = result.columns.map((c) => c.name)
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`
  if (format === 'csv') {
    const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
    return [names, ...result.rows.map((r) => r.map(text))].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n'
  }
  const cells = result.rows.map((r) => r.map(text))
  const widths = names.map((n, k) => Math.min(60, Math.max(n.length, ...cells.map((r) => r[k].length))))
  const line = (r: string[]) => r.map((c, k) => (c.length > widths[k] ? `${c.slice(0, widths[k] - 1)}…` : c.padEnd(widths[k]))).join('  ').trimEnd()
  return [line(names), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n'
}
