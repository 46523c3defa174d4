/**
 * @module query/parser
 * Recursive-descent parser from query text to a frozen QueryNode. Grammar: LANGUAGE.md.
 * Errors are QueryError SYNTAX with the line, the column and what was expected.
 */
import { SIGNALS, type Signal } from '../storage/index.ts'
import {
  freeze,
  type BinaryOp,
  type CallNode,
  type Expr,
  type FieldNode,
  type LiteralNode,
  type NamedExpr,
  type QueryNode,
  type RangeNode,
  type SourceNode,
  type StageNode,
} from './ast.ts'
import { QueryError, positionOf } from './errors.ts'
import { MAX_JOIN_DEPTH, MAX_QUERY_DEPTH, MAX_QUERY_LENGTH } from './limits.ts'
import { RESERVED_WORDS, tokenize, type Token } from './lexer.ts'
import type { StageParser } from './stage-def.ts'
import { STAGE_WORDS } from './stage-registry.ts'
import { checkDepth, tooDeep } from './tree-depth.ts'

const RESERVED = RESERVED_WORDS
const COMPARE: Record<string, BinaryOp> = { '=': '=', '==': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' }
const STRING_OPS = new Set(['contains', 'startswith', 'endswith', 'matches'])

/** Texts whose trees parseMemo keeps. */
const MEMO_TEXTS = 64

/**
 * parseQuery remembering the trees of the last `size` texts parsed: a server is sent the same
 * texts again and again (dashboard panels, alert rules), and a tree is frozen, so one serves
 * every run. Mistakes are not kept: they are reported again each time.
 * @example const parse = parseMemo(); parse(text) === parse(text) // true
 */
export function parseMemo(size = MEMO_TEXTS): (source: string) => QueryNode {
  const trees = new Map<string, QueryNode>()
  return (source) => {
    let tree = trees.get(source)
    if (tree !== undefined) {
      // Most recently used last: the first is the one to drop.
      trees.delete(source)
    } else {
      tree = parseQuery(source)
      if (trees.size >= size) trees.delete(trees.keys().next().value!)
    }
    trees.set(source, tree)
    return tree
  }
}

/**
 * Parses a whole query.
 * @example parseQuery('spans | where duration > 100ms | limit 10').stages.length // 2
 */
export function parseQuery(source: string): QueryNode {
  if (source.length > MAX_QUERY_LENGTH) {
    throw new QueryError('SYNTAX', `cannot parse query: ${source.length} characters, the limit is ${MAX_QUERY_LENGTH}`)
  }
  const p = new Parser(source)
  const query = p.query()
  p.expectEnd()
  checkDepth(query, source)
  return freeze(query)
}

/**
 * Parses one expression (the client uses it for `where("...")` and aggregate texts).
 * @example parseExpression('p99(duration)').kind // 'Call'
 */
export function parseExpression(source: string): Expr {
  const p = new Parser(source)
  const expr = p.expr()
  p.expectEnd()
  checkDepth(expr, source)
  return freeze(expr)
}

/** The shared grammar; each stage's own syntax is its StageDef's parse (op-*.ts). */
class Parser implements StageParser {
  private readonly tokens: Token[]
  private i = 0
  private readonly source: string
  /** Levels of recursion now open: bounded so the parser cannot overflow the stack. */
  private depth = 0
  /** Joins open around the current position (`join (spans | join (...`). */
  private joins = 0

  constructor(source: string) {
    this.source = source
    this.tokens = tokenize(source)
  }

  get tok(): Token {
    return this.tokens[this.i]
  }

  next(): Token {
    return this.tokens[this.i++]
  }

  private isWord(word: string, offset = 0): boolean {
    const t = this.tokens[this.i + offset]
    return t !== undefined && t.type === 'ident' && t.text === word
  }

  private isPunct(p: string): boolean {
    return this.tok.type === 'punct' && this.tok.text === p
  }

  acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false
    this.i++
    return true
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false
    this.i++
    return true
  }

  fail(expected: string, token: Token = this.tok): never {
    throw new QueryError('SYNTAX', `cannot parse query: expected ${expected}, got ${describe(token)}`, {
      ...positionOf(this.source, token.at),
      source: this.source,
    })
  }

  failAt(at: number, message: string): never {
    throw new QueryError('SYNTAX', message, { ...positionOf(this.source, at), source: this.source })
  }

  /** Runs `parse` one level deeper; past MAX_QUERY_DEPTH the query is refused at `at`. */
  private nested<T>(at: number, parse: () => T): T {
    if (++this.depth > MAX_QUERY_DEPTH) throw tooDeep(this.source, at)
    try {
      return parse()
    } finally {
      this.depth--
    }
  }

  expectWord(word: string): void {
    if (!this.acceptWord(word)) this.fail(`"${word}"`)
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`"${p}"`)
  }

  expectEnd(): void {
    if (this.tok.type !== 'eof') this.fail(this.i === 0 ? 'a query' : '"|" or the end of the query')
  }

  query(): QueryNode {
    const at = this.tok.at
    const source = this.sourceNode()
    const stages: StageNode[] = []
    while (this.acceptPunct('|')) stages.push(this.stage())
    return { kind: 'Query', source, stages, at }
  }

  private sourceNode(): SourceNode {
    const t = this.tok
    if (this.acceptWord('trace')) {
      if (this.tok.type !== 'string') this.fail('a trace id in quotes, like trace "5913df3e0fffc6345e1725c4d1c997d7"')
      return { kind: 'TraceSource', traceId: this.next().text, at: t.at }
    }
    if (t.type !== 'ident' || !SIGNALS.includes(t.text as Signal)) this.fail('a source: spans, logs, metrics or trace "<id>"')
    this.i++
    const range = this.range()
    return { kind: 'SignalSource', signal: t.text as Signal, ...(range ? { range } : {}), at: t.at }
  }

  private range(): RangeNode | undefined {
    const at = this.tok.at
    if (this.acceptWord('last')) {
      if (this.tok.type !== 'duration') this.fail('a duration after "last", like last 1h')
      return { kind: 'Range', last: this.next().value as number, at }
    }
    if (!this.isWord('from') && !this.isWord('to')) return undefined
    const from = this.acceptWord('from') ? this.time() : undefined
    const to = this.acceptWord('to') ? this.time() : undefined
    return { kind: 'Range', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), at }
  }

  private time(): bigint {
    if (this.tok.type !== 'time') this.fail('a time like 2026-11-01T00:00:00Z')
    return this.next().value as bigint
  }

  private stage(): StageNode {
    const t = this.tok
    const def = t.type === 'ident' ? STAGE_WORDS.get(t.text) : undefined
    if (def === undefined) return this.fail(`an operator (${[...STAGE_WORDS.keys()].join(', ')})`)
    this.i++
    return def.parse(this, t.text, t.at)
  }

  subquery(at: number): QueryNode {
    if (this.acceptPunct('(')) {
      if (++this.joins > MAX_JOIN_DEPTH) this.failAt(at, `cannot parse query: joins nest deeper than ${MAX_JOIN_DEPTH} levels inside the right sides of joins`)
      const right = this.nested(at, () => this.query())
      this.joins--
      this.expectPunct(')')
      return right
    }
    const rat = this.tok.at
    return { kind: 'Query', source: this.sourceNode(), stages: [], at: rat }
  }

  name(expected: string): string {
    const t = this.tok
    if (t.type !== 'ident' || RESERVED.has(t.text)) this.fail(expected)
    this.i++
    return t.text
  }

  list<T>(item: () => T): T[] {
    const out = [item()]
    while (this.acceptPunct(',')) out.push(item())
    return out
  }

  named(): NamedExpr {
    const expr = this.expr()
    if (!this.acceptWord('as')) return { expr }
    return { expr, name: this.fieldPath('a column name after "as"').join('.') }
  }

  expr(): Expr {
    let left = this.and()
    while (this.isWord('or')) {
      const at = this.next().at
      left = { kind: 'Binary', op: 'or', left, right: this.and(), at }
    }
    return left
  }

  private and(): Expr {
    let left = this.not()
    while (this.isWord('and')) {
      const at = this.next().at
      left = { kind: 'Binary', op: 'and', left, right: this.not(), at }
    }
    return left
  }

  private not(): Expr {
    if (this.isWord('not')) {
      const at = this.next().at
      return { kind: 'Unary', op: 'not', operand: this.nested(at, () => this.not()), at }
    }
    return this.predicate()
  }

  private predicate(): Expr {
    const left = this.additive()
    const t = this.tok
    if (t.type === 'punct' && COMPARE[t.text] !== undefined) {
      this.i++
      return { kind: 'Binary', op: COMPARE[t.text], left, right: this.additive(), at: t.at }
    }
    const negated = this.isWord('not') && (this.isWord('in', 1) || STRING_OPS.has(this.tokens[this.i + 1]?.text ?? ''))
    if (negated) this.i++
    if (this.acceptWord('in')) {
      this.expectPunct('(')
      const values = this.list(() => this.literal())
      this.expectPunct(')')
      return { kind: 'In', operand: left, values, negated, at: t.at }
    }
    if (this.tok.type === 'ident' && STRING_OPS.has(this.tok.text)) {
      const text = this.next().text
      const op = (negated ? `not ${text}` : text) as BinaryOp
      return { kind: 'Binary', op, left, right: this.additive(), at: t.at }
    }
    if (negated) this.fail('"in" or a string operator after "not"')
    return left
  }

  private additive(): Expr {
    let left = this.multiplicative()
    while (this.isPunct('+') || this.isPunct('-')) {
      const t = this.next()
      left = { kind: 'Binary', op: t.text as BinaryOp, left, right: this.multiplicative(), at: t.at }
    }
    return left
  }

  private multiplicative(): Expr {
    let left = this.unary()
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const t = this.next()
      left = { kind: 'Binary', op: t.text as BinaryOp, left, right: this.unary(), at: t.at }
    }
    return left
  }

  private unary(): Expr {
    if (this.isPunct('-')) {
      const at = this.next().at
      const operand = this.nested(at, () => this.unary())
      if (operand.kind === 'Literal' && (operand.type === 'number' || operand.type === 'duration')) {
        return { ...operand, value: -(operand.value as number), at }
      }
      return { kind: 'Unary', op: 'neg', operand, at }
    }
    return this.primary()
  }

  private primary(): Expr {
    const t = this.tok
    if (this.acceptPunct('(')) {
      const e = this.nested(t.at, () => this.expr())
      this.expectPunct(')')
      return e
    }
    if (t.type === 'ident' && this.tokens[this.i + 1].type === 'punct' && this.tokens[this.i + 1].text === '(' && !RESERVED.has(t.text)) {
      return this.call()
    }
    if (t.type === 'ident' && RESERVED.has(t.text) && !['true', 'false', 'null'].includes(t.text)) this.fail('an expression')
    if (t.type === 'ident' && !['true', 'false', 'null'].includes(t.text)) return this.field()
    if (t.type === 'quoted') return this.field()
    return this.literal()
  }

  private call(): CallNode {
    const t = this.next()
    this.expectPunct('(')
    const args = this.isPunct(')') ? [] : this.nested(t.at, () => this.list(() => this.expr()))
    this.expectPunct(')')
    return { kind: 'Call', name: t.text, args, at: t.at }
  }

  private field(): FieldNode {
    const at = this.tok.at
    return { kind: 'Field', path: this.fieldPath('a field name'), at }
  }

  private fieldPath(expected: string): string[] {
    const path: string[] = []
    do {
      const t = this.tok
      if (t.type === 'quoted' || (t.type === 'ident' && (path.length > 0 || !RESERVED.has(t.text)))) {
        path.push(t.text)
        this.i++
      } else {
        this.fail(path.length === 0 ? expected : 'a name after "."')
      }
    } while (this.acceptPunct('.'))
    return path
  }

  literal(): LiteralNode {
    const t = this.tok
    let negate = false
    if (this.isPunct('-')) {
      negate = true
      this.i++
    }
    const v = this.tok
    this.i++
    switch (v.type) {
      case 'number':
      case 'duration':
        return { kind: 'Literal', type: v.type, value: negate ? -(v.value as number) : (v.value as number), at: t.at }
      case 'string':
        if (!negate) return { kind: 'Literal', type: 'string', value: v.text, at: t.at }
        break
      case 'time':
        if (!negate) return { kind: 'Literal', type: 'time', value: v.value as bigint, at: t.at }
        break
      case 'ident':
        if (negate) break
        if (v.text === 'true' || v.text === 'false') return { kind: 'Literal', type: 'bool', value: v.text === 'true', at: t.at }
        if (v.text === 'null') return { kind: 'Literal', type: 'null', value: null, at: t.at }
    }
    this.i--
    return this.fail(negate ? 'a number or duration after "-"' : 'an expression')
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'the end of the query'
    case 'string':
      return JSON.stringify(t.text)
    case 'quoted':
      return `\`${t.text}\``
    default:
      return `"${t.text}"`
  }
}
