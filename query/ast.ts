/**
 * @module query/ast
 * The syntax tree of a query: frozen nodes with a `kind`. The parser and the client build it,
 * the printer turns it back into canonical text, the planner and executor read it.
 * Every node carries `at`, the character offset it starts at, for error positions.
 */
import type { Signal } from '../storage/index.ts'

export type LiteralType = 'number' | 'string' | 'bool' | 'null' | 'duration' | 'time'

/** A constant. Durations are nanoseconds as a number; times are epoch nanoseconds as a bigint. */
export interface LiteralNode {
  readonly kind: 'Literal'
  readonly type: LiteralType
  readonly value: number | string | boolean | null | bigint
  readonly at: number
}

/**
 * A field reference, one path segment per dotted part: `service.name` is ["service", "name"].
 * Resolution (see fields.ts and LANGUAGE.md "Fields") happens at plan and run time.
 */
export interface FieldNode {
  readonly kind: 'Field'
  readonly path: readonly string[]
  readonly at: number
}

export type UnaryOp = 'not' | 'neg'
export interface UnaryNode {
  readonly kind: 'Unary'
  readonly op: UnaryOp
  readonly operand: Expr
  readonly at: number
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>='
/**
 * `x not contains y` is its own operator, not `not (x contains y)`: like every comparison it is
 * false when `x` is absent (LANGUAGE.md "Absent values"), where `not (...)` would be true.
 */
export type StringOp = 'contains' | 'startswith' | 'endswith' | 'matches' | 'not contains' | 'not startswith' | 'not endswith' | 'not matches'
export type ArithOp = '+' | '-' | '*' | '/' | '%'
export type BinaryOp = CompareOp | StringOp | ArithOp | 'and' | 'or'

export interface BinaryNode {
  readonly kind: 'Binary'
  readonly op: BinaryOp
  readonly left: Expr
  readonly right: Expr
  readonly at: number
}

export interface InNode {
  readonly kind: 'In'
  readonly operand: Expr
  readonly values: readonly LiteralNode[]
  readonly negated: boolean
  readonly at: number
}

export interface CallNode {
  readonly kind: 'Call'
  readonly name: string
  readonly args: readonly Expr[]
  readonly at: number
}

export type Expr = LiteralNode | FieldNode | UnaryNode | BinaryNode | InNode | CallNode
export type ExprKind = Expr['kind']

/** The time range of a source: `last 1h`, or `from T1 to T2` (either end optional). */
export interface RangeNode {
  readonly kind: 'Range'
  /** Nanoseconds before now, for `last`. */
  readonly last?: number
  readonly from?: bigint
  readonly to?: bigint
  readonly at: number
}

export interface SignalSourceNode {
  readonly kind: 'SignalSource'
  readonly signal: Signal
  readonly range?: RangeNode
  readonly at: number
}

/** `trace "<hex id>"`: every span of one trace, in tree order. */
export interface TraceSourceNode {
  readonly kind: 'TraceSource'
  readonly traceId: string
  readonly at: number
}

export type SourceNode = SignalSourceNode | TraceSourceNode

/** An expression with an optional output name (`expr as name`). */
export interface NamedExpr {
  readonly expr: Expr
  readonly name?: string
}

export interface WhereNode {
  readonly kind: 'Where'
  readonly predicate: Expr
  readonly at: number
}

/** `select` keeps only its columns; `extend` adds them to the row. */
export interface SelectNode {
  readonly kind: 'Select'
  readonly extend: boolean
  readonly items: readonly NamedExpr[]
  readonly at: number
}

export interface SortKey {
  readonly expr: Expr
  readonly desc: boolean
}

export interface SortNode {
  readonly kind: 'Sort'
  readonly keys: readonly SortKey[]
  readonly at: number
}

export interface LimitNode {
  readonly kind: 'Limit'
  readonly count: number
  readonly at: number
}

export interface StatsNode {
  readonly kind: 'Stats'
  /** Each aggregate is a CallNode of an aggregate function. */
  readonly aggregates: readonly NamedExpr[]
  readonly by: readonly NamedExpr[]
  readonly at: number
}

export type JoinType = 'inner' | 'left'

/** One equality of a join: `left = right`; `right` fields are read from the joined side. */
export interface JoinKey {
  readonly left: Expr
  readonly right: Expr
}

export interface JoinNode {
  readonly kind: 'Join'
  readonly type: JoinType
  readonly right: QueryNode
  readonly alias: string
  readonly on: readonly JoinKey[]
  readonly at: number
}

export type StageNode = WhereNode | SelectNode | SortNode | LimitNode | StatsNode | JoinNode
export type StageKind = StageNode['kind']

export interface QueryNode {
  readonly kind: 'Query'
  readonly source: SourceNode
  readonly stages: readonly StageNode[]
  readonly at: number
}

/** Deep-freezes a freshly built node, so passes must build new trees instead of mutating. */
export function freeze<T>(node: T): T {
  if (node !== null && typeof node === 'object' && !Object.isFrozen(node)) {
    for (const value of Object.values(node)) freeze(value)
    Object.freeze(node)
  }
  return node
}

export function literal(type: LiteralType, value: LiteralNode['value'], at = 0): LiteralNode {
  return { kind: 'Literal', type, value, at }
}

export function field(name: string, at = 0): FieldNode {
  return { kind: 'Field', path: name.split('.'), at }
}
