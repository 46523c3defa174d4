/**
 * @module storage/build/column-set
 * The columns of one batch under construction (ColumnSet), and attribute columns, which keep
 * a scalar type until a key carries mixed types. Writers: column-writers.ts, list-writer.ts.
 * The fast way to build a batch for any producer: writers are looked up once and kept, values
 * shared by a run of rows are filled as a range (see column-writers.ts for sizing and sharing).
 *
 * @example
 * const cols = new ColumnSet('logs', rows)
 * const time = cols.i64(LOG_COLUMNS.timeUnixNano)
 * const body = cols.str(LOG_COLUMNS.body)
 * const route = cols.attrs(ATTR_PREFIX).get('http.route')
 * for (let row = 0; row < rows; row++) { time.set(row, t[row]); body.set(row, text[row]); route.set(row, '/cart') }
 * const batch = cols.finish(rows)
 */
import { cellValue, type AnyValue, type Batch, type Column, type Signal } from '../model.ts'
import { AnyWriter, BytesWriter, I64Writer, NumWriter, StrWriter, type Writer } from './column-writers.ts'
import { ListWriter } from './list-writer.ts'

export { AnyWriter, BytesWriter, I64Writer, ListWriter, NumWriter, StrWriter }

type ScalarWriter = StrWriter | NumWriter<'bool'> | NumWriter<'f64'> | I64Writer | AnyWriter
type ScalarKind = 'str' | 'bool' | 'f64' | 'i64' | 'any'

function kindOf(value: AnyValue): ScalarKind {
  switch (typeof value) {
    case 'string':
      return 'str'
    case 'boolean':
      return 'bool'
    case 'number':
      return 'f64'
    case 'bigint':
      return 'i64'
    default:
      return 'any'
  }
}

function scalarWriter(kind: ScalarKind, capacity: number): ScalarWriter {
  switch (kind) {
    case 'str':
      return new StrWriter(capacity)
    case 'i64':
      return new I64Writer(capacity)
    case 'any':
      return new AnyWriter(capacity)
    default:
      return new NumWriter(kind, capacity)
  }
}

/**
 * An attribute column: typed while every value has one scalar type, `any` from the first value
 * of another type on (BatchBuilder.setAttribute follows the same rule through it).
 */
export class AttrWriter {
  kind: ScalarKind | undefined
  inner: ScalarWriter | undefined
  private readonly capacity: number

  constructor(capacity = 0) {
    this.capacity = capacity
  }

  private writerFor(value: AnyValue): ScalarWriter {
    const kind = kindOf(value)
    if (this.inner === undefined) {
      this.kind = kind
      this.inner = scalarWriter(kind, this.capacity)
    } else if (kind !== this.kind && this.kind !== 'any') {
      this.inner = toAny(this.inner as Exclude<ScalarWriter, AnyWriter>)
      this.kind = 'any'
    }
    return this.inner
  }

  set(row: number, value: AnyValue): void {
    const w = this.writerFor(value)
    if (w instanceof StrWriter) w.set(row, value as string)
    else if (w instanceof I64Writer) w.set(row, value as bigint)
    else if (w instanceof AnyWriter) w.set(row, value)
    else w.set(row, typeof value === 'boolean' ? (value ? 1 : 0) : (value as number))
  }

  fill(from: number, to: number, value: AnyValue): void {
    const w = this.writerFor(value)
    if (w instanceof StrWriter) w.fill(from, to, value as string)
    else if (w instanceof I64Writer) w.fill(from, to, value as bigint)
    else if (w instanceof AnyWriter) w.fill(from, to, value)
    else w.fill(from, to, typeof value === 'boolean' ? (value ? 1 : 0) : (value as number))
  }
}

function toAny(writer: Exclude<ScalarWriter, AnyWriter>): AnyWriter {
  const rows = writer.extent()
  const column = writer.finish(rows)
  const out = new AnyWriter(writer.capacity)
  for (let row = 0; row < rows; row++) {
    const value = cellValue(column, row)
    if (value !== undefined) out.set(row, value)
  }
  return out
}

/**
 * The columns of one batch under construction, by storage column name. Asking for a column by
 * another kind than it was made with is the caller's error (it gets the first writer).
 */
export class ColumnSet {
  readonly signal: Signal
  /** Rows the batch is expected to have (0: unknown): every writer is sized for it. */
  readonly capacity: number
  private readonly writers = new Map<string, Writer>()
  private readonly groups = new Map<string, AttrGroup>()
  private readonly onNewKey: ((name: string, keys: number) => void) | undefined
  private keys = 0

  /**
   * `onNewKey(name, keys)`: called with each new attribute key and the count of keys so far,
   * to refuse too many (it throws); ingest bounds the keys of one request this way.
   */
  constructor(signal: Signal, capacity = 0, onNewKey?: (name: string, keys: number) => void) {
    this.signal = signal
    this.capacity = capacity
    this.onNewKey = onNewKey
  }

  private get<W extends Writer>(name: string, make: () => W): W {
    let w = this.writers.get(name)
    if (w === undefined) {
      w = make()
      this.writers.set(name, w)
    }
    return w as W
  }

  str(name: string): StrWriter {
    return this.get(name, () => new StrWriter(this.capacity))
  }
  u32(name: string): NumWriter<'u32'> {
    return this.get(name, () => new NumWriter('u32', this.capacity))
  }
  i32(name: string): NumWriter<'i32'> {
    return this.get(name, () => new NumWriter('i32', this.capacity))
  }
  f64(name: string): NumWriter<'f64'> {
    return this.get(name, () => new NumWriter('f64', this.capacity))
  }
  bool(name: string): NumWriter<'bool'> {
    return this.get(name, () => new NumWriter('bool', this.capacity))
  }
  i64(name: string): I64Writer {
    return this.get(name, () => new I64Writer(this.capacity))
  }
  bytes(name: string, width: number): BytesWriter {
    return this.get(name, () => new BytesWriter(width, this.capacity))
  }
  list(name: string, kind: 'i64list' | 'f64list'): ListWriter {
    return this.get(name, () => new ListWriter(kind, this.capacity))
  }
  any(name: string): AnyWriter {
    return this.get(name, () => new AnyWriter(this.capacity))
  }

  /** The attribute columns of one prefix (`a:`, `r:` or `s:`), looked up by bare key. */
  attrs(prefix: string): AttrGroup {
    let g = this.groups.get(prefix)
    if (g === undefined) {
      g = new AttrGroup(prefix, this)
      this.groups.set(prefix, g)
    }
    return g
  }

  /** Counts a new attribute key (see `onNewKey`). */
  addKey(name: string): void {
    this.keys++
    this.onNewKey?.(name, this.keys)
  }

  /** Releases the attribute groups (AttrGroup.release): call once the batch is finished or abandoned. */
  release(): void {
    for (const g of this.groups.values()) g.release()
  }

  finish(rows: number): Batch {
    const columns: Record<string, Column> = {}
    for (const [name, w] of this.writers) if (w.count > 0) columns[name] = w.finish(rows)
    for (const g of this.groups.values()) {
      for (const [key, w] of g.writers) if (w.inner !== undefined) columns[g.prefix + key] = w.inner.finish(rows)
    }
    return { signal: this.signal, length: rows, columns }
  }
}

/** Something that keeps a reference to a group's writers until told to let go (a cache entry). */
export interface GroupUser {
  release(): void
}

/** Attribute columns sharing a prefix, by bare key. */
export class AttrGroup {
  readonly prefix: string
  readonly writers = new Map<string, AttrWriter>()
  private readonly owner: ColumnSet
  /** Cache entries that remember this group's writers: `release` makes them forget. */
  private readonly users: GroupUser[] = []

  constructor(prefix: string, owner: ColumnSet) {
    this.prefix = prefix
    this.owner = owner
  }

  get(key: string): AttrWriter {
    let w = this.writers.get(key)
    if (w === undefined) {
      this.owner.addKey(key)
      w = new AttrWriter(this.owner.capacity)
      this.writers.set(key, w)
    }
    return w
  }

  /** Registers a cache entry that holds on to this group's writers. */
  use(user: GroupUser): void {
    this.users.push(user)
  }

  /** Makes every registered entry forget this group, so a cache does not keep a finished batch alive. */
  release(): void {
    for (const user of this.users) user.release()
    this.users.length = 0
  }
}
