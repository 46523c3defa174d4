/**
 * @module ingest/otlp/json-encode-common
 * Batch rows back to OTLP/JSON (the mapping the JSON decoders read): values, attributes, and
 * the grouping of rows under their resource and scope. Defaults are omitted, as canonical
 * OTLP/JSON does. For export and for checking that ingest kept every field.
 */
import {
  bytesToHex,
  cellValue,
  COMMON_COLUMNS,
  RESOURCE_ATTR_PREFIX,
  SCOPE_ATTR_PREFIX,
  type AnyValue,
  type Batch,
} from '../../storage/index.ts'

export type Json = { [key: string]: unknown }

/** A double as OTLP/JSON writes it (non-finite values as strings). */
export function jsonDouble(n: number): number | string {
  return Number.isFinite(n) ? n : String(n)
}

/** An AnyValue in OTLP/JSON. */
export function jsonAnyValue(v: AnyValue): Json {
  if (v === null) return {}
  switch (typeof v) {
    case 'string':
      return { stringValue: v }
    case 'boolean':
      return { boolValue: v }
    case 'bigint':
      return { intValue: String(v) }
    case 'number':
      return { doubleValue: jsonDouble(v) }
  }
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') }
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsonAnyValue) } }
  return { kvlistValue: { values: jsonAttributes(v) } }
}

/** A plain attribute object as an OTLP/JSON KeyValue list. */
export function jsonAttributes(object: { [key: string]: AnyValue }): Json[] {
  return Object.keys(object).map((key) => ({ key, value: jsonAnyValue(object[key]) }))
}

/** The attributes of `row` stored in columns with `prefix`. */
export function rowAttributes(batch: Batch, prefix: string, row: number): Json[] {
  const out: Json[] = []
  for (const name in batch.columns) {
    if (!name.startsWith(prefix)) continue
    const v = cellValue(batch.columns[name], row)
    if (v !== undefined) out.push({ key: name.slice(prefix.length), value: jsonAnyValue(v) })
  }
  return out
}

/** The cell of `name` at `row`, undefined when the column or the cell is absent. */
export function cell(batch: Batch, name: string, row: number): AnyValue | undefined {
  const c = batch.columns[name]
  return c === undefined ? undefined : cellValue(c, row)
}

/** Sets `out[key]` unless `value` is a default (undefined, '', 0, 0n, false, empty list). */
export function put(out: Json, key: string, value: unknown): void {
  if (value === undefined || value === '' || value === 0 || value === 0n || value === false) return
  if (Array.isArray(value) && value.length === 0) return
  out[key] = typeof value === 'bigint' ? String(value) : value
}

/** An id cell as hex, undefined when absent or all zero. */
export function hexId(value: AnyValue | undefined): string | undefined {
  if (!(value instanceof Uint8Array) || value.every((b) => b === 0)) return undefined
  return bytesToHex(value)
}

function origin(batch: Batch, row: number, prefix: string, dropped: string): Json {
  const out: Json = {}
  put(out, 'attributes', rowAttributes(batch, prefix, row))
  put(out, 'droppedAttributesCount', cell(batch, dropped, row))
  return out
}

/** The resource and scope of `row`, as the OTLP/JSON objects and their schema URLs. */
export function rowOrigin(batch: Batch, row: number): { resource: Json; resourceSchemaUrl: unknown; scope: Json; scopeSchemaUrl: unknown } {
  const scope = origin(batch, row, SCOPE_ATTR_PREFIX, COMMON_COLUMNS.scopeDroppedAttributesCount)
  put(scope, 'name', cell(batch, COMMON_COLUMNS.scopeName, row))
  put(scope, 'version', cell(batch, COMMON_COLUMNS.scopeVersion, row))
  return {
    resource: origin(batch, row, RESOURCE_ATTR_PREFIX, COMMON_COLUMNS.resourceDroppedAttributesCount),
    resourceSchemaUrl: cell(batch, COMMON_COLUMNS.resourceSchemaUrl, row),
    scope,
    scopeSchemaUrl: cell(batch, COMMON_COLUMNS.scopeSchemaUrl, row),
  }
}

/** JSON.stringify that accepts bigints, for grouping keys. */
export function keyOf(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
}

/**
 * Groups rows under resources and scopes (in order of first appearance) and builds the
 * request: `{ [resources]: [{ resource, schemaUrl, [scopes]: [{ scope, schemaUrl, items }] }] }`.
 * `items(rows)` turns the rows of one scope into its records.
 */
export function groupRows(batch: Batch, names: { resources: string; scopes: string; records: string }, items: (rows: number[]) => unknown[]): Json {
  const resources = new Map<string, { json: Json; scopes: Map<string, { json: Json; rows: number[] }> }>()
  for (let row = 0; row < batch.length; row++) {
    const o = rowOrigin(batch, row)
    const rKey = keyOf([o.resource, o.resourceSchemaUrl])
    let r = resources.get(rKey)
    if (r === undefined) {
      const json: Json = {}
      put(json, 'resource', Object.keys(o.resource).length > 0 ? o.resource : undefined)
      put(json, 'schemaUrl', o.resourceSchemaUrl)
      r = { json, scopes: new Map() }
      resources.set(rKey, r)
    }
    const sKey = keyOf([o.scope, o.scopeSchemaUrl])
    let s = r.scopes.get(sKey)
    if (s === undefined) {
      const json: Json = {}
      put(json, 'scope', Object.keys(o.scope).length > 0 ? o.scope : undefined)
      put(json, 'schemaUrl', o.scopeSchemaUrl)
      s = { json, rows: [] }
      r.scopes.set(sKey, s)
    }
    s.rows.push(row)
  }
  return {
    [names.resources]: [...resources.values()].map((r) => ({
      ...r.json,
      [names.scopes]: [...r.scopes.values()].map((s) => ({ ...s.json, [names.records]: items(s.rows) })),
    })),
  }
}
