/**
 * @module query/regex-subset
 * Translates the RE2 patterns a backtracking engine cannot blow up on into an equivalent
 * JavaScript RegExp, which V8 runs several times faster than the RE2 port does.
 *
 * The subset: literals, escaped punctuation, `. \d \D \w \W \s \S \b ^ $`, simple character
 * classes, groups, alternation, `?` and bounded repeats `{n}` / `{n,m}`. No `*`, `+` or `{n,}`:
 * without unbounded repetition a backtracking search tries, from each start position, at most
 * `paths` ways through the pattern, each at most `size` steps long, so the whole search is at
 * most `n × paths × size` steps: linear in the text. Patterns whose `paths × size` passes
 * MAX_BACKTRACK_STEPS, and anything else (flags, Unicode classes, `\Q`, `\x`, ...), are left to
 * the RE2 engine. Every construct is written out explicitly (`.` as `[^\n]`, `\d` as `[0-9]`),
 * so the RegExp means what RE2 means, not what JavaScript's shorthands mean.
 */
import { MAX_BACKTRACK_STEPS, MAX_SUBSET_GROUP_DEPTH } from './limits.ts'

/** A piece of translated pattern: its JavaScript source, ways through it, longest walk. */
interface Piece {
  src: string
  paths: number
  size: number
}

/** Thrown inside the translator when the pattern leaves the subset. */
const OUTSIDE = Symbol('outside the subset')

const SHORTHANDS: Readonly<Record<string, string>> = {
  d: '[0-9]',
  D: '[^0-9]',
  w: '[0-9A-Za-z_]',
  W: '[^0-9A-Za-z_]',
  s: '[\\t\\n\\f\\r ]',
  S: '[^\\t\\n\\f\\r ]',
}
const CLASS_SHORTHANDS: Readonly<Record<string, string>> = { d: '0-9', w: '0-9A-Za-z_', s: '\\t\\n\\f\\r ' }
const CONTROL: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, f: 12, v: 11 }
const META = new Set([...'\\.+*?()|[]{}^$'])

/**
 * The JavaScript source of an RE2 pattern in the safe subset, or undefined when the pattern is
 * outside it. The pattern must already have compiled with RE2 (this does not validate).
 * @example subsetSource('conn(ection)? reset') // '\\u{63}...' ; subsetSource('a+') // undefined
 */
export function subsetSource(pattern: string): string | undefined {
  const t = new Translator(pattern)
  try {
    const piece = t.alternation(0)
    if (t.i !== pattern.length) return undefined
    return piece.paths * piece.size <= MAX_BACKTRACK_STEPS ? piece.src : undefined
  } catch (error) {
    if (error === OUTSIDE) return undefined
    throw error
  }
}

class Translator {
  readonly p: string
  i = 0

  constructor(p: string) {
    this.p = p
  }

  private out(): never {
    throw OUTSIDE
  }

  /** Gives up as soon as a piece alone is too costly: products below can only grow. */
  private bounded(piece: Piece): Piece {
    if (piece.paths * piece.size > MAX_BACKTRACK_STEPS) this.out()
    return piece
  }

  alternation(depth: number): Piece {
    if (depth > MAX_SUBSET_GROUP_DEPTH) this.out()
    const branches = [this.concatenation(depth)]
    while (this.p[this.i] === '|') {
      this.i++
      branches.push(this.concatenation(depth))
    }
    if (branches.length === 1) return branches[0]
    return this.bounded({
      src: branches.map((b) => b.src).join('|'),
      paths: branches.reduce((s, b) => s + b.paths, 0),
      size: Math.max(...branches.map((b) => b.size)),
    })
  }

  private concatenation(depth: number): Piece {
    let piece: Piece = { src: '', paths: 1, size: 0 }
    while (this.i < this.p.length && this.p[this.i] !== '|' && this.p[this.i] !== ')') {
      const next = this.repeat(depth)
      piece = this.bounded({ src: piece.src + next.src, paths: piece.paths * next.paths, size: piece.size + next.size })
    }
    return piece
  }

  private repeat(depth: number): Piece {
    const atom = this.atom(depth)
    const c = this.p[this.i]
    if (c === '*' || c === '+') this.out()
    let piece = atom
    if (c === '?') {
      this.i++
      piece = { src: `(?:${atom.src})?`, paths: atom.paths + 1, size: atom.size }
    } else if (c === '{') {
      const m = /^\{(\d{1,4})(?:(,)(\d{1,4})?)?\}/.exec(this.p.slice(this.i, this.i + 12))
      if (m === null || (m[2] !== undefined && m[3] === undefined)) this.out()
      this.i += m[0].length
      const min = Number(m[1])
      const max = m[3] === undefined ? min : Number(m[3])
      let paths = 0
      for (let k = min; k <= max && paths <= MAX_BACKTRACK_STEPS; k++) paths += atom.paths ** k
      piece = { src: `(?:${atom.src}){${min},${max}}`, paths, size: atom.size * max }
    } else {
      return atom
    }
    // A lazy repeat finds a match exactly when the greedy one does: `test` needs no more.
    if (this.p[this.i] === '?') this.i++
    if (this.p[this.i] === '*' || this.p[this.i] === '+' || this.p[this.i] === '?' || this.p[this.i] === '{') this.out()
    return this.bounded(piece)
  }

  private atom(depth: number): Piece {
    const c = this.p[this.i]
    const one = (src: string): Piece => ({ src, paths: 1, size: 1 })
    if (c === '(') {
      this.i++
      if (this.p[this.i] === '?') {
        const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(this.p.slice(this.i, this.i + 40))
        if (this.p.startsWith('?:', this.i)) this.i += 2
        else if (named !== null) this.i += named[0].length
        else this.out()
      }
      const inner = this.alternation(depth + 1)
      if (this.p[this.i] !== ')') this.out()
      this.i++
      return { ...inner, src: `(?:${inner.src})` }
    }
    if (c === '[') return one(this.charClass())
    this.i++
    if (c === '.') return one('[^\\n]')
    if (c === '^' || c === '$') return { src: c, paths: 1, size: 0 }
    if (c === '\\') {
      const e = this.p[this.i++]
      if (e === undefined) this.out()
      if (SHORTHANDS[e] !== undefined) return one(SHORTHANDS[e])
      // Not `\B`: V8 finds one between the halves of a surrogate pair, where RE2 sees none.
      if (e === 'b') return { src: '\\b', paths: 1, size: 0 }
      if (CONTROL[e] !== undefined) return one(literal(CONTROL[e]))
      if (/[A-Za-z0-9]/.test(e)) this.out()
      return one(literal(e.codePointAt(0)!))
    }
    if (META.has(c)) this.out()
    const cp = this.p.codePointAt(this.i - 1)!
    if (cp > 0xffff) this.i++
    return one(literal(cp))
  }

  /** `[...]` with literals, ranges and `\d \w \s`; POSIX classes and the rest are left to RE2. */
  private charClass(): string {
    this.i++
    let src = '['
    if (this.p[this.i] === '^') {
      src += '^'
      this.i++
    }
    let first = true
    while (this.i < this.p.length && (this.p[this.i] !== ']' || first)) {
      first = false
      const short = this.p[this.i] === '\\' ? CLASS_SHORTHANDS[this.p[this.i + 1]] : undefined
      if (short !== undefined) {
        this.i += 2
        // Only as a whole item, never as a range end: `[\d-z]` is left to RE2.
        if (this.p[this.i] === '-' && this.p[this.i + 1] !== ']') this.out()
        src += short
        continue
      }
      src += literal(this.classChar())
      if (this.p[this.i] === '-' && this.p[this.i + 1] !== ']' && this.i + 1 < this.p.length) {
        this.i++
        src += `-${literal(this.classChar())}`
      }
    }
    if (this.p[this.i] !== ']') this.out()
    this.i++
    return `${src}]`
  }

  /** One literal character of a class, as a code point. */
  private classChar(): number {
    const c = this.p[this.i]
    if (c === '[') this.out()
    if (c !== '\\') {
      const cp = this.p.codePointAt(this.i)!
      this.i += cp > 0xffff ? 2 : 1
      return cp
    }
    const e = this.p[this.i + 1]
    this.i += 2
    if (e === undefined || CLASS_SHORTHANDS[e] !== undefined) this.out()
    if (CONTROL[e] !== undefined) return CONTROL[e]
    if (/[A-Za-z0-9]/.test(e)) this.out()
    return e.codePointAt(0)!
  }
}

/** A code point as a RegExp (u flag) literal: letters, digits and space as they are, the rest escaped. */
function literal(cp: number): string {
  return /[A-Za-z0-9 ]/.test(String.fromCodePoint(cp)) ? String.fromCodePoint(cp) : `\\u{${cp.toString(16)}}`
}
