/**
 * @module query/fields
 * Field names of the language and how they resolve to storage columns (LANGUAGE.md "Fields"):
 * `attr.x`, `resource.x`, `scope.x` name an attribute explicitly; a bare name is an intrinsic
 * field first, then the record attribute, then the resource attribute (the first present in
 * the row); `alias.x` reads the joined rows of `join ... as alias`.
 */
import {
  ATTR_PREFIX,
  COMMON_COLUMNS,
  LOG_COLUMNS,
  METRIC_COLUMNS,
  RESOURCE_ATTR_PREFIX,
  SCOPE_ATTR_PREFIX,
  SPAN_COLUMNS,
  type Signal,
} from '../storage/index.ts'
import { QueryError } from './errors.ts'
import type { ValueType } from './vec.ts'

/** How to read a field from a batch. Column names include any join alias prefix. */
export type FieldRef =
  /** `unsetIsZero`: 0 is OTLP's "not set" for this field (a log's observed time), so it reads as absent. */
  | { readonly kind: 'column'; readonly column: string; readonly type: ValueType; readonly unsetIsZero?: boolean }
  /** endTimeUnixNano - startTimeUnixNano, nanoseconds. */
  | { readonly kind: 'duration'; readonly start: string; readonly end: string }
  /** A numeric code shown as a name: names[code]. */
  | { readonly kind: 'enum'; readonly column: string; readonly names: readonly string[] }
  /** The first of `columns` present in the row. */
  | { readonly kind: 'attr'; readonly columns: readonly string[] }

/**
 * What a stage sees: raw rows of a signal (storage column names), joined raw rows under
 * aliases (`alias.` + storage name), and derived columns by output name (after select,
 * extend or stats). Derived names win over raw fields; raw fields exist only with `signal`.
 */
export interface Scope {
  readonly signal?: Signal
  readonly aliases: Readonly<Record<string, Signal>>
  readonly columns?: Readonly<Record<string, ValueType>>
}

export const SPAN_KIND_NAMES = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']
export const STATUS_NAMES = ['unset', 'ok', 'error']
export const METRIC_TYPE_NAMES = ['', 'gauge', 'sum', 'histogram', 'exponential_histogram', 'summary']

type Intrinsic = (prefix: string) => FieldRef
const col = (column: string, type: ValueType): Intrinsic => (p) => ({ kind: 'column', column: p + column, type })
const enumOf = (column: string, names: readonly string[]): Intrinsic => (p) => ({ kind: 'enum', column: p + column, names })

const COMMON: Record<string, Intrinsic> = {
  'scope.name': col(COMMON_COLUMNS.scopeName, 'string'),
  'scope.version': col(COMMON_COLUMNS.scopeVersion, 'string'),
  flags: col(COMMON_COLUMNS.flags, 'number'),
}

/** Intrinsic fields per signal, in the order raw rows show them. */
export const INTRINSICS: Readonly<Record<Signal, Readonly<Record<string, Intrinsic>>>> = {
  spans: {
    time: col(SPAN_COLUMNS.startTimeUnixNano, 'time'),
    trace_id: col(SPAN_COLUMNS.traceId, 'id'),
    span_id: col(SPAN_COLUMNS.spanId, 'id'),
    parent_span_id: col(SPAN_COLUMNS.parentSpanId, 'id'),
    name: col(SPAN_COLUMNS.name, 'string'),
    kind: enumOf(SPAN_COLUMNS.kind, SPAN_KIND_NAMES),
    duration: (p) => ({ kind: 'duration', start: p + SPAN_COLUMNS.startTimeUnixNano, end: p + SPAN_COLUMNS.endTimeUnixNano }),
    status: enumOf(SPAN_COLUMNS.statusCode, STATUS_NAMES),
    status_message: col(SPAN_COLUMNS.statusMessage, 'string'),
    start: col(SPAN_COLUMNS.startTimeUnixNano, 'time'),
    end: col(SPAN_COLUMNS.endTimeUnixNano, 'time'),
    status_code: col(SPAN_COLUMNS.statusCode, 'number'),
    trace_state: col(SPAN_COLUMNS.traceState, 'string'),
    events: col(SPAN_COLUMNS.events, 'any'),
    links: col(SPAN_COLUMNS.links, 'any'),
    ...COMMON,
  },
  logs: {
    time: col(LOG_COLUMNS.timeUnixNano, 'time'),
    severity: col(LOG_COLUMNS.severityNumber, 'number'),
    severity_text: col(LOG_COLUMNS.severityText, 'string'),
    body: () => ({ kind: 'attr', columns: [LOG_COLUMNS.body, LOG_COLUMNS.bodyValue] }),
    trace_id: col(LOG_COLUMNS.traceId, 'id'),
    span_id: col(LOG_COLUMNS.spanId, 'id'),
    // OTLP: observed_time_unix_nano 0 means unset (the sender left it out).
    observed_time: (p) => ({ kind: 'column', column: p + LOG_COLUMNS.observedTimeUnixNano, type: 'time', unsetIsZero: true }),
    event_name: col(LOG_COLUMNS.eventName, 'string'),
    ...COMMON,
  },
  metrics: {
    time: col(METRIC_COLUMNS.timeUnixNano, 'time'),
    metric: col(METRIC_COLUMNS.name, 'string'),
    'metric.name': col(METRIC_COLUMNS.name, 'string'),
    'metric.type': enumOf(METRIC_COLUMNS.type, METRIC_TYPE_NAMES),
    'metric.unit': col(METRIC_COLUMNS.unit, 'string'),
    value: col(METRIC_COLUMNS.value, 'number'),
    count: col(METRIC_COLUMNS.count, 'number'),
    sum: col(METRIC_COLUMNS.sum, 'number'),
    min: col(METRIC_COLUMNS.min, 'number'),
    max: col(METRIC_COLUMNS.max, 'number'),
    bucket_counts: col(METRIC_COLUMNS.bucketCounts, 'list'),
    explicit_bounds: col(METRIC_COLUMNS.explicitBounds, 'list'),
    start: col(METRIC_COLUMNS.startTimeUnixNano, 'time'),
    'metric.description': col(METRIC_COLUMNS.description, 'string'),
    'metric.temporality': col(METRIC_COLUMNS.temporality, 'number'),
    'metric.monotonic': col(METRIC_COLUMNS.monotonic, 'bool'),
    ...COMMON,
  },
}

/** Storage columns that hold times (i64 read as time rather than number). */
const TIME_COLUMNS = new Set<string>([SPAN_COLUMNS.startTimeUnixNano, SPAN_COLUMNS.endTimeUnixNano, LOG_COLUMNS.timeUnixNano, LOG_COLUMNS.observedTimeUnixNano])

/** True when the storage column (without alias prefix) is a time column. */
export function isTimeColumn(storageName: string): boolean {
  return TIME_COLUMNS.has(storageName)
}

const EXPLICIT: Record<string, string> = { attr: ATTR_PREFIX, resource: RESOURCE_ATTR_PREFIX, scope: SCOPE_ATTR_PREFIX }

/**
 * How `path` reads in `scope`; throws UNKNOWN_NAME for a name derived rows do not have.
 * @example resolveField(['service', 'name'], { signal: 'spans', aliases: {} })
 * // { kind: 'attr', columns: ['a:service.name', 'r:service.name'] }
 */
export function resolveField(path: readonly string[], scope: Scope, at?: { line: number; column: number; source?: string }): FieldRef {
  const alias = scope.aliases[path[0]]
  if (alias !== undefined && path.length > 1) return resolveRaw(path.slice(1), alias, `${path[0]}.`)
  const name = path.join('.')
  const type = scope.columns?.[name]
  if (type !== undefined) return { kind: 'column', column: name, type }
  if (scope.signal !== undefined) return resolveRaw(path, scope.signal, '')
  const known = Object.keys(scope.columns ?? {}).join(', ')
  throw new QueryError('UNKNOWN_NAME', `cannot resolve field ${name}: the rows here have only ${known || 'no columns'}`, at)
}

function resolveRaw(path: readonly string[], signal: Signal, prefix: string): FieldRef {
  const name = path.join('.')
  const intrinsic = INTRINSICS[signal][name]
  if (intrinsic !== undefined) return intrinsic(prefix)
  const explicit = EXPLICIT[path[0]]
  if (explicit !== undefined && path.length > 1) return { kind: 'attr', columns: [prefix + explicit + path.slice(1).join('.')] }
  return { kind: 'attr', columns: [prefix + ATTR_PREFIX + name, prefix + RESOURCE_ATTR_PREFIX + name] }
}

/** The name raw rows show for a storage column (`a:x` is `attr.x`), or undefined to hide it. */
export function displayName(signal: Signal, storageName: string): string | undefined {
  if (storageName.startsWith(ATTR_PREFIX)) return `attr.${storageName.slice(ATTR_PREFIX.length)}`
  if (storageName.startsWith(RESOURCE_ATTR_PREFIX)) return `resource.${storageName.slice(RESOURCE_ATTR_PREFIX.length)}`
  if (storageName.startsWith(SCOPE_ATTR_PREFIX)) return `scope.${storageName.slice(SCOPE_ATTR_PREFIX.length)}`
  return undefined
}
