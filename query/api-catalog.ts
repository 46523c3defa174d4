/**
 * @module query/api-catalog
 * What the UI offers while a user types: services, operations (span names), attribute keys
 * and the most frequent values of a field. Each is a small query, so the same range,
 * tenant and limits apply.
 */
import { SIGNALS, type Signal, type Store } from '../storage/index.ts'
import { runQuery, type QueryOptions, type QueryResult } from './engine.ts'
import { QueryError } from './errors.ts'
import { displayName, INTRINSICS } from './fields.ts'
import { MAX_CATALOG_VALUES } from './limits.ts'
import { parseExpression } from './parser.ts'
import { printExpr } from './print-expr.ts'

export type CatalogOptions = Omit<QueryOptions, 'store'> & {
  store: Store
  /** Runs the catalog's queries (a query service's run); runQuery in-process by default. */
  run?: (query: string, options: QueryOptions) => Promise<QueryResult>
}

/** The signal named by a request, spans by default. */
export function signalParam(value: string | undefined): Signal {
  if (value === undefined) return 'spans'
  if (!SIGNALS.includes(value as Signal)) throw new QueryError('INVALID_ARGUMENT', `cannot list: unknown signal ${JSON.stringify(value)}; expected ${SIGNALS.join(', ')}`)
  return value as Signal
}

async function firstColumn(query: string, options: CatalogOptions): Promise<string[]> {
  const r = await (options.run ?? runQuery)(query, options)
  return r.rows.map((row) => String(row[0]))
}

/** Service names over every signal, sorted. */
export async function listServices(options: CatalogOptions): Promise<string[]> {
  const all = new Set<string>()
  for (const signal of SIGNALS) {
    for (const s of await firstColumn(`${signal} | where exists(resource.service.name) | stats count() by resource.service.name`, options)) all.add(s)
  }
  return [...all].sort()
}

/** Span names, of one service when given, sorted. */
export async function listOperations(options: CatalogOptions, service?: string): Promise<string[]> {
  const filter = service === undefined ? '' : ` | where resource.service.name = ${JSON.stringify(service)}`
  return firstColumn(`spans${filter} | stats count() by name | sort name | limit ${MAX_CATALOG_VALUES}`, options)
}

/** Field names of a signal: its intrinsic fields, then the attribute keys seen in the range. */
export async function listAttributeKeys(options: CatalogOptions, signal: Signal): Promise<string[]> {
  const keys = new Set<string>()
  const scan = options.store.scan({ tenant: options.tenant ?? 'default', signal, start: options.start, end: options.end, abort: options.signal })
  for await (const batch of scan) {
    for (const column of Object.keys(batch.columns)) {
      const name = displayName(signal, column)
      if (name !== undefined) keys.add(name)
    }
    if (keys.size >= MAX_CATALOG_VALUES) break
  }
  return [...Object.keys(INTRINSICS[signal]), ...[...keys].sort()]
}

/** The most frequent values of a field, with their counts. */
export async function listValues(options: CatalogOptions, signal: Signal, field: string): Promise<{ value: unknown; count: number }[]> {
  const expr = parseExpression(field)
  if (expr.kind !== 'Field') throw new QueryError('INVALID_ARGUMENT', `cannot list values of ${JSON.stringify(field)}: expected a field name, like attr.http.route`)
  const f = printExpr(expr)
  const r = await (options.run ?? runQuery)(`${signal} | where exists(${f}) | stats count() as count by ${f} as value | sort count desc | limit ${MAX_CATALOG_VALUES}`, options)
  return r.rows.map(([value, count]) => ({ value, count: count as number }))
}
