/**
 * @module query/fn-scalar
 * Scalar functions: bin, exists, lower, upper, len, now (LANGUAGE.md "Functions").
 * String functions work on the dictionary of a string column, not on every row.
 */
import type { Batch, Utf8Strings } from '../storage/index.ts'
import type { CallNode, Expr } from './ast.ts'
import { QueryError } from './errors.ts'
import { where, type EvalContext } from './eval-context.ts'
import { cell, presentMask, utf8Vec, type ValueType, type Vec } from './vec.ts'

type ScalarFn = (call: CallNode, args: Vec[], n: number, ctx: EvalContext) => Vec

/** Arity of each scalar function, for the planner's checks. */
export const SCALAR_ARITY: Readonly<Record<string, number>> = { bin: 2, exists: 1, lower: 1, upper: 1, len: 1, now: 0 }

/** The type of each scalar function's values; `arg`: the type of its first argument. */
export const SCALAR_RESULT: Readonly<Record<keyof typeof FUNCTIONS, ValueType | 'arg'>> = { bin: 'arg', exists: 'bool', lower: 'string', upper: 'string', len: 'number', now: 'time' }

const FUNCTIONS = {
  bin: (call, [x, width], n, ctx) => bin(x, width, n, () => fail(call, ctx, 'bin(x, width) takes a time or number and a positive duration or number literal, like bin(time, 1m)')),
  exists: (_call, [x], n) => ({ t: 'bool', v: presentMask(x, n) }),
  lower: (_c, [x], n) => (x.t === 'str' && x.utf8?.ascii === true ? asciiCase(x, x.utf8, 0x41) : mapString(x, n, (s) => s.toLowerCase())),
  upper: (_c, [x], n) => (x.t === 'str' && x.utf8?.ascii === true ? asciiCase(x, x.utf8, 0x61) : mapString(x, n, (s) => s.toUpperCase())),
  len: (_c, [x], n) => {
    // ASCII bytes: a string's length is its entry's byte length.
    if (x.t === 'str' && x.utf8?.ascii === true) {
      const { offsets } = x.utf8
      return { t: 'num', v: Float64Array.from(x.codes, (c) => offsets[c + 1] - offsets[c]), p: x.p }
    }
    if (x.t === 'str') return { t: 'num', v: Float64Array.from(x.codes, (c) => x.dict[c].length), p: x.p }
    const out = new Float64Array(n)
    const p = new Uint8Array(n)
    for (let i = 0; i < n; i++) {
      const s = cell(x, i)
      if (typeof s === 'string') [out[i], p[i]] = [s.length, 1]
    }
    return { t: 'num', v: out, p }
  },
  now: (_c, _a, _n, ctx) => ({ t: 'const', value: ctx.now, type: 'time' }),
} satisfies Record<string, ScalarFn>

function fail(call: CallNode, ctx: EvalContext, message: string): never {
  throw new QueryError('INVALID_ARGUMENT', `cannot call ${call.name}: ${message}`, where(ctx, call.at))
}

/**
 * Evaluates a scalar function call; aggregate functions outside `stats` are an error.
 * @example callScalar(parseExpression('lower(name)') as CallNode, batch, ctx, evaluate)
 */
export function callScalar(call: CallNode, batch: Batch, ctx: EvalContext, evaluate: (e: Expr) => Vec): Vec {
  const fn = (FUNCTIONS as Record<string, ScalarFn>)[call.name]
  if (fn === undefined) {
    throw new QueryError('UNKNOWN_NAME', `cannot call ${call.name}: unknown function here; scalar functions are ${Object.keys(FUNCTIONS).join(', ')} (aggregates only in stats)`, where(ctx, call.at))
  }
  if (call.args.length !== SCALAR_ARITY[call.name]) fail(call, ctx, `expected ${SCALAR_ARITY[call.name]} argument(s), got ${call.args.length}`)
  return fn(call, call.args.map(evaluate), batch.length, ctx)
}

function mapString(x: Vec, n: number, f: (s: string) => string): Vec {
  if (x.t === 'str') return { t: 'str', dict: x.dict.map(f), codes: x.codes, p: x.p }
  if (x.t === 'const') return { t: 'const', value: typeof x.value === 'string' ? f(x.value) : x.value, type: x.type }
  const out = new Array<string | undefined>(n)
  for (let i = 0; i < n; i++) {
    const s = cell(x, i)
    out[i] = typeof s === 'string' ? f(s) : undefined
  }
  return { t: 'any', v: out }
}

/**
 * lower (`from` 0x41, 'A') or upper (0x61, 'a') of ASCII strings held as bytes, as bytes: the
 * letters of the other case flipped, no string made (`lower(body) contains "x"` then searches
 * bytes too).
 */
function asciiCase(x: Extract<Vec, { t: 'str' }>, strings: Utf8Strings, from: number): Vec {
  const src = strings.bytes
  const bytes = new Uint8Array(src.length)
  for (let i = 0; i < src.length; i++) {
    const b = src[i]
    bytes[i] = (b - from) >>> 0 < 26 ? b ^ 0x20 : b
  }
  return utf8Vec({ bytes, offsets: strings.offsets, ascii: true }, x.codes, x.p)
}

function bin(x: Vec, width: Vec, n: number, onError: () => never): Vec {
  if (width.t !== 'const' || typeof width.value !== 'number' || !(width.value > 0)) return onError()
  const w = width.value
  if (x.t === 'time') {
    const wb = BigInt(Math.round(w))
    const out = new BigInt64Array(n)
    for (let i = 0; i < n; i++) {
      const t = x.v[i]
      const r = t % wb
      out[i] = t - (r < 0n ? r + wb : r)
    }
    return { t: 'time', v: out, p: x.p }
  }
  if (x.t === 'num') {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = Math.floor(x.v[i] / w) * w
    return { t: 'num', v: out, p: x.p, dur: x.dur }
  }
  if (x.t === 'const' && x.value === null) return x
  return onError()
}
