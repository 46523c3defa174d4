/**
 * @module query/stage-def
 * The contract of a pipe stage (`where`, `select`, `sort`, ...): each kind of StageNode has
 * one StageDef in its own op-<name>.ts, registered in stage-registry.ts under its kind. The
 * parser, printer, planner and executor reach a stage only through its definition, so a new
 * kind does not compile until it says how it parses, prints, plans and runs.
 */
import type { Batch } from '../storage/index.ts'
import type { Expr, NamedExpr, QueryNode, SourceNode, StageNode } from './ast.ts'
import type { Budget } from './budget.ts'
import type { EvalContext } from './eval-context.ts'
import type { Scope } from './fields.ts'
import type { Token } from './lexer.ts'
import type { Pushdown } from './plan-pushdown.ts'
import type { QueryPlan, StagePlan } from './query-plan.ts'
import type { ValueType } from './vec.ts'

/** What the parser offers a stage's parse: the next tokens and the shared grammar. */
export interface StageParser {
  readonly tok: Token
  next(): Token
  acceptWord(word: string): boolean
  expectWord(word: string): void
  acceptPunct(p: string): boolean
  expr(): Expr
  /** `expr` or `expr as name`. */
  named(): NamedExpr
  /** One or more items separated by commas. */
  list<T>(item: () => T): T[]
  /** A join's right side: `(query)`, joins nested in joins counted, or a bare source. */
  subquery(at: number): QueryNode
  /** An identifier that is not a reserved word. */
  name(expected: string): string
  fail(expected: string, token?: Token): never
  failAt(at: number, message: string): never
}

/** What the printer offers a stage's print. */
export interface StagePrinter {
  query(q: QueryNode): string
  source(s: SourceNode): string
}

/** What the planner offers a stage's plan: checks that also record what the plan reads. */
export interface StagePlanner {
  /**
   * Checks `e` in `scope` in one walk (names resolve, functions exist, aggregates only at the
   * top when `aggregate`, patterns compile), records the columns it reads, returns its type.
   * Throws QueryError at the offending node.
   */
  expr(e: Expr, scope: Scope, aggregate?: boolean): ValueType
  /** Records the columns a key of the joined rows reads (`alias.x`); it resolves when run. */
  joinedKey(e: Expr, scope: Scope, alias: string): void
  /** Plans a join's right side (once) and returns what it produces. */
  subquery(q: QueryNode, alias: string): Scope
  /** The place of an offset of the query text, for a QueryError. */
  at(offset: number): { line: number; column: number; source: string }
}

/** What the executor offers a stage's run. */
export interface StageRun {
  /** Evaluation in the stage's input scope. */
  readonly ctx: EvalContext
  readonly budget: Budget
  /** The query's time range, when bounded. */
  readonly start?: bigint
  readonly end?: bigint
  /** The stage after this one, if any (a sort followed by a limit keeps only the top rows). */
  readonly next?: StageNode
  /** The batches of a planned subquery (a join's right side). */
  subquery(plan: QueryPlan): AsyncIterable<Batch>
  /**
   * The stage's input read again from the start (a new scan through the stages before it);
   * absent when it cannot be (rows fed live, or a stage over cached partials before it).
   */
  readonly replay?: () => AsyncIterable<Batch>
}

export interface StageDef<N extends StageNode> {
  /** The words that start the stage in query text (LANGUAGE.md, one section each). */
  readonly words: readonly string[]
  /** Parses the stage after its word `word`, which started at offset `at`. */
  parse(p: StageParser, word: string, at: number): N
  /** The canonical text of the stage (parse(print(s)) equals s, positions aside). */
  print(node: N, p: StagePrinter): string
  /**
   * Adds what the stage lets the scan skip (time range, ScanConditions) while it is among the
   * leading stages; returns whether stages after it may still push down.
   */
  pushdown(node: N, scope: Scope, push: Pushdown): boolean
  /** Checks the stage in its input scope and returns the scope it produces. */
  plan(node: N, scope: Scope, planner: StagePlanner): Scope
  /** Streams the stage's output batches from its input batches. */
  run(input: AsyncIterable<Batch>, stage: StagePlan<N>, run: StageRun): AsyncIterable<Batch>
}
