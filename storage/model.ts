/**
 * @module storage/model
 * The in-memory shape of telemetry: columnar batches of spans, log records and metric points.
 * Ingest builds them, the engine stores them, the query engine reads them back.
 */

/** The three signals BlazeDB stores. */
export type Signal = 'spans' | 'logs' | 'metrics'
export const SIGNALS: readonly Signal[] = ['spans', 'logs', 'metrics']

/**
 * A general value: OTLP's AnyValue and anything nested in span events, links or exemplars.
 * Integers are `bigint` and doubles are `number`, so the distinction survives a round trip;
 * a plain object is a key-value list; `null` is an empty value.
 */
export type AnyValue =
  | null
  | string
  | boolean
  | bigint
  | number
  | Uint8Array
  | AnyValue[]
  | { [key: string]: AnyValue }

/**
 * A column: one typed array of values, one entry per row.
 * `present` (one byte a row, 1 = has a value) makes a column sparse; a column without it is dense.
 * Columns are immutable once in a batch: nobody writes to the arrays of a batch they did not build.
 */
export type Column =
  | { kind: 'u32'; values: Uint32Array; present?: Uint8Array }
  | { kind: 'i32'; values: Int32Array; present?: Uint8Array }
  | { kind: 'i64'; values: BigInt64Array; present?: Uint8Array }
  | { kind: 'f64'; values: Float64Array; present?: Uint8Array }
  | { kind: 'bool'; values: Uint8Array; present?: Uint8Array }
  /**
   * Dictionary strings: row i holds `dict[codes[i]]`. Entries need not be distinct. A big
   * dictionary read from a part also has `utf8`, the same entries as bytes; its `dict` is then
   * made from them the first time it is read (utf8-strings.ts).
   */
  | { kind: 'str'; dict: string[]; codes: Uint32Array; present?: Uint8Array; utf8?: Utf8Strings }
  /** Fixed-width byte strings (trace and span ids): row i is `values[i*width .. (i+1)*width)`. */
  | { kind: 'bytes'; width: number; values: Uint8Array; present?: Uint8Array }
  /** Lists of numbers: row i is `values[offsets[i] .. offsets[i+1])`; `offsets` has rows+1 entries. */
  | { kind: 'i64list'; offsets: Uint32Array; values: BigInt64Array; present?: Uint8Array }
  | { kind: 'f64list'; offsets: Uint32Array; values: Float64Array; present?: Uint8Array }
  | { kind: 'any'; values: (AnyValue | undefined)[]; present?: Uint8Array }

export type ColumnKind = Column['kind']

/**
 * Strings as UTF-8 bytes: entry d is `bytes[offsets[d] .. offsets[d + 1])`; `offsets` has one
 * entry more than the strings. `ascii` is true when every byte is below 0x80. Plain data, so it
 * crosses threads (shared-block-cache.ts) as it is.
 */
export interface Utf8Strings {
  readonly bytes: Uint8Array
  readonly offsets: Uint32Array
  readonly ascii: boolean
}

/** A set of rows of one signal, column by column. Every column has `length` rows. */
export interface Batch {
  readonly signal: Signal
  readonly length: number
  readonly columns: Readonly<Record<string, Column>>
}

/**
 * Column names. Intrinsic fields have plain names; attributes are prefixed so that no
 * attribute key can collide with an intrinsic field: `a:` record attributes, `r:` resource
 * attributes, `s:` scope (instrumentation library) attributes.
 */
export const ATTR_PREFIX = 'a:'
export const RESOURCE_ATTR_PREFIX = 'r:'
export const SCOPE_ATTR_PREFIX = 's:'

/** Columns every signal shares: where a record came from. */
export const COMMON_COLUMNS = {
  resourceSchemaUrl: 'resource.schemaUrl',
  resourceDroppedAttributesCount: 'resource.droppedAttributesCount',
  scopeName: 'scope.name',
  scopeVersion: 'scope.version',
  scopeSchemaUrl: 'scope.schemaUrl',
  scopeDroppedAttributesCount: 'scope.droppedAttributesCount',
  droppedAttributesCount: 'droppedAttributesCount',
  flags: 'flags',
} as const

/** Span columns; kinds in comments. */
export const SPAN_COLUMNS = {
  traceId: 'traceId', // bytes 16
  spanId: 'spanId', // bytes 8
  parentSpanId: 'parentSpanId', // bytes 8, all zero for a root span
  traceState: 'traceState', // str
  name: 'name', // str
  kind: 'kind', // u32, OTLP SpanKind 0..5
  startTimeUnixNano: 'startTimeUnixNano', // i64
  endTimeUnixNano: 'endTimeUnixNano', // i64
  statusCode: 'statusCode', // u32: 0 unset, 1 ok, 2 error
  statusMessage: 'statusMessage', // str
  droppedEventsCount: 'droppedEventsCount', // u32
  droppedLinksCount: 'droppedLinksCount', // u32
  events: 'events', // any, sparse: SpanEventValue[]
  links: 'links', // any, sparse: SpanLinkValue[]
} as const

/** Log record columns. */
export const LOG_COLUMNS = {
  timeUnixNano: 'timeUnixNano', // i64
  observedTimeUnixNano: 'observedTimeUnixNano', // i64
  severityNumber: 'severityNumber', // u32, 0..24
  severityText: 'severityText', // str
  body: 'body', // str, sparse: present when the body is a string
  bodyValue: 'bodyValue', // any, sparse: present when the body is any other value
  traceId: 'traceId', // bytes 16, all zero when absent
  spanId: 'spanId', // bytes 8, all zero when absent
  eventName: 'eventName', // str
} as const

/** Metric point columns: one row per data point, whatever the metric type. */
export const METRIC_COLUMNS = {
  name: 'metric.name', // str
  description: 'metric.description', // str
  unit: 'metric.unit', // str
  type: 'metric.type', // u32, METRIC_TYPE
  temporality: 'metric.temporality', // u32, OTLP AggregationTemporality 0..2
  monotonic: 'metric.monotonic', // bool
  metadata: 'metric.metadata', // any, sparse: Metric.metadata as a key-value object
  startTimeUnixNano: 'startTimeUnixNano', // i64
  timeUnixNano: 'timeUnixNano', // i64
  value: 'value', // f64, sparse: gauge and sum points (an int point holds its value as a double too)
  valueInt: 'valueInt', // i64, sparse: present exactly when the point was an int point
  count: 'count', // i64, sparse: histogram, exponential histogram and summary points
  sum: 'sum', // f64, sparse
  min: 'min', // f64, sparse
  max: 'max', // f64, sparse
  bucketCounts: 'bucketCounts', // i64list, sparse: histogram bucket counts
  explicitBounds: 'explicitBounds', // f64list, sparse
  scale: 'exp.scale', // i32, sparse: exponential histogram
  zeroCount: 'exp.zeroCount', // i64, sparse
  zeroThreshold: 'exp.zeroThreshold', // f64, sparse
  positiveOffset: 'exp.positiveOffset', // i32, sparse
  positiveBucketCounts: 'exp.positiveBucketCounts', // i64list, sparse
  negativeOffset: 'exp.negativeOffset', // i32, sparse
  negativeBucketCounts: 'exp.negativeBucketCounts', // i64list, sparse
  quantiles: 'summary.quantiles', // f64list, sparse
  quantileValues: 'summary.quantileValues', // f64list, sparse
  exemplars: 'exemplars', // any, sparse: ExemplarValue[]
} as const

/** `metric.type` codes. On-disk values: append, never renumber. */
export const METRIC_TYPE = {
  gauge: 1,
  sum: 2,
  histogram: 3,
  exponentialHistogram: 4,
  summary: 5,
} as const

type ColumnNames<T extends Record<string, string>> = T[keyof T]
type Kinds<T extends Record<string, string>> = Readonly<Record<ColumnNames<typeof COMMON_COLUMNS> | ColumnNames<T>, ColumnKind>>

const COMMON_KINDS = {
  'resource.schemaUrl': 'str',
  'resource.droppedAttributesCount': 'u32',
  'scope.name': 'str',
  'scope.version': 'str',
  'scope.schemaUrl': 'str',
  'scope.droppedAttributesCount': 'u32',
  droppedAttributesCount: 'u32',
  flags: 'u32',
} as const

/**
 * The kind of every intrinsic column, per signal (the comments of the tables above, for
 * programs): a query pushes a numeric bound into a scan only where the column's kind makes
 * the block statistics exact for it. A new intrinsic column does not compile until it is here.
 */
export const INTRINSIC_COLUMN_KINDS: { readonly spans: Kinds<typeof SPAN_COLUMNS>; readonly logs: Kinds<typeof LOG_COLUMNS>; readonly metrics: Kinds<typeof METRIC_COLUMNS> } = {
  spans: {
    ...COMMON_KINDS,
    traceId: 'bytes',
    spanId: 'bytes',
    parentSpanId: 'bytes',
    traceState: 'str',
    name: 'str',
    kind: 'u32',
    startTimeUnixNano: 'i64',
    endTimeUnixNano: 'i64',
    statusCode: 'u32',
    statusMessage: 'str',
    droppedEventsCount: 'u32',
    droppedLinksCount: 'u32',
    events: 'any',
    links: 'any',
  },
  logs: {
    ...COMMON_KINDS,
    timeUnixNano: 'i64',
    observedTimeUnixNano: 'i64',
    severityNumber: 'u32',
    severityText: 'str',
    body: 'str',
    bodyValue: 'any',
    traceId: 'bytes',
    spanId: 'bytes',
    eventName: 'str',
  },
  metrics: {
    ...COMMON_KINDS,
    'metric.name': 'str',
    'metric.description': 'str',
    'metric.unit': 'str',
    'metric.type': 'u32',
    'metric.temporality': 'u32',
    'metric.monotonic': 'bool',
    'metric.metadata': 'any',
    startTimeUnixNano: 'i64',
    timeUnixNano: 'i64',
    value: 'f64',
    valueInt: 'i64',
    count: 'i64',
    sum: 'f64',
    min: 'f64',
    max: 'f64',
    bucketCounts: 'i64list',
    explicitBounds: 'f64list',
    'exp.scale': 'i32',
    'exp.zeroCount': 'i64',
    'exp.zeroThreshold': 'f64',
    'exp.positiveOffset': 'i32',
    'exp.positiveBucketCounts': 'i64list',
    'exp.negativeOffset': 'i32',
    'exp.negativeBucketCounts': 'i64list',
    'summary.quantiles': 'f64list',
    'summary.quantileValues': 'f64list',
    exemplars: 'any',
  },
}

/** The column that places a row in time (and so in a partition), per signal. */
export const TIME_COLUMN: Readonly<Record<Signal, string>> = {
  spans: SPAN_COLUMNS.startTimeUnixNano,
  logs: LOG_COLUMNS.timeUnixNano,
  metrics: METRIC_COLUMNS.timeUnixNano,
}

/** The trace id column per signal, if it has one: block filters are built over it. */
export const TRACE_ID_COLUMN: Readonly<Record<Signal, string | undefined>> = {
  spans: SPAN_COLUMNS.traceId,
  logs: LOG_COLUMNS.traceId,
  metrics: undefined,
}

/** Shape of one element of the `events` column. */
export interface SpanEventValue {
  [key: string]: AnyValue
  timeUnixNano: bigint
  name: string
  attributes: { [key: string]: AnyValue }
  droppedAttributesCount: bigint
}

/** Shape of one element of the `links` column. */
export interface SpanLinkValue {
  [key: string]: AnyValue
  traceId: Uint8Array
  spanId: Uint8Array
  traceState: string
  attributes: { [key: string]: AnyValue }
  droppedAttributesCount: bigint
  flags: bigint
}

/**
 * Shape of one element of the `exemplars` column. `value` is a number for as_double and a
 * bigint for as_int; trace and span ids are empty when absent.
 */
export interface ExemplarValue {
  [key: string]: AnyValue
  timeUnixNano: bigint
  value: number | bigint
  spanId: Uint8Array
  traceId: Uint8Array
  filteredAttributes: { [key: string]: AnyValue }
}

/** Number of rows of a column. */
export function columnLength(column: Column): number {
  switch (column.kind) {
    case 'str':
      return column.codes.length
    case 'bytes':
      return column.width === 0 ? 0 : column.values.length / column.width
    case 'i64list':
    case 'f64list':
      return column.offsets.length - 1
    default:
      return column.values.length
  }
}

/** True when row `row` of `column` holds a value. */
export function isPresent(column: Column, row: number): boolean {
  return column.present === undefined || column.present[row] === 1
}

/**
 * The value of one cell as a plain JavaScript value (undefined when absent).
 * Convenient and slow: hot paths read the typed arrays directly.
 */
export function cellValue(column: Column, row: number): AnyValue | undefined {
  if (column.present !== undefined && column.present[row] !== 1) return undefined
  switch (column.kind) {
    case 'u32':
    case 'i32':
    case 'f64':
    case 'i64':
      return column.values[row]
    case 'bool':
      return column.values[row] === 1
    case 'str':
      return column.dict[column.codes[row]]
    case 'bytes':
      return column.values.subarray(row * column.width, (row + 1) * column.width)
    case 'i64list':
    case 'f64list':
      return Array.from(column.values.subarray(column.offsets[row], column.offsets[row + 1]) as ArrayLike<number | bigint>)
    case 'any':
      return column.values[row]
  }
}
