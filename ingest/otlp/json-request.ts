/**
 * @module ingest/otlp/json-request
 * The resource / scope / record nesting every OTLP/JSON request shares, walked once for all
 * signals, filling the resource and scope columns over the rows each covers.
 */
import { malformed } from '../errors.ts'
import { list, obj, resource, scope, str, type JsonObject } from './json-common.ts'
import type { SignalRows } from './signal-rows.ts'

/** The JSON keys of one signal's nesting, e.g. resourceSpans / scopeSpans / spans. */
export interface JsonNesting {
  resources: string
  scopes: string
  records: string
}

/** Calls `each` for every record of a parsed request, in order. */
export function walkJsonRequest(body: unknown, names: JsonNesting, rows: SignalRows, each: (record: JsonObject) => void): void {
  // An absent field may be null, the request itself may not: `null` is not an empty request.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw malformed(`cannot decode the JSON request: expected an object, got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`)
  }
  const request = body as JsonObject
  for (const rv of list(request[names.resources], names.resources)) {
    const r = obj(rv, names.resources)
    const resourceFrom = rows.row
    for (const sv of list(r[names.scopes], names.scopes)) {
      const s = obj(sv, names.scopes)
      const scopeFrom = rows.row
      for (const record of list(s[names.records], names.records)) each(obj(record, names.records))
      rows.fillScope(scopeFrom, scope(s.scope), str(s.schemaUrl, `${names.scopes}.schemaUrl`))
    }
    rows.fillResource(resourceFrom, resource(r.resource), str(r.schemaUrl, `${names.resources}.schemaUrl`))
  }
}
