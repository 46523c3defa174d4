/**
 * @module query/eval-arith
 * Arithmetic on vectors: numbers and durations as doubles, times as epoch nanoseconds.
 * time - time is a duration; time ± duration is a time; anything else with a time is an error.
 */
import type { ArithOp } from './ast.ts'
import { QueryError } from './errors.ts'
import { cell, type Vec } from './vec.ts'

function andPresent(n: number, a?: Uint8Array, b?: Uint8Array): Uint8Array | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = a[i] & b[i]
  return out
}

function num(op: ArithOp, x: number, y: number): number {
  switch (op) {
    case '+':
      return x + y
    case '-':
      return x - y
    case '*':
      return x * y
    case '/':
      return x / y
    case '%':
      return x % y
  }
}

/** Reads row i of a numeric vector or constant. */
function numbers(v: Vec): { at: (i: number) => number; p?: Uint8Array; dur: boolean } | undefined {
  if (v.t === 'num') return { at: (i) => v.v[i], p: v.p, dur: v.dur === true }
  if (v.t === 'const' && typeof v.value === 'number') return { at: () => v.value as number, dur: v.type === 'duration' }
  if (v.t === 'const' && typeof v.value === 'bigint' && v.type !== 'time') return { at: () => Number(v.value), dur: false }
  return undefined
}

function times(v: Vec): { at: (i: number) => bigint; p?: Uint8Array } | undefined {
  if (v.t === 'time') return { at: (i) => v.v[i], p: v.p }
  if (v.t === 'const' && typeof v.value === 'bigint' && v.type === 'time') return { at: () => v.value as bigint }
  return undefined
}

/**
 * `a op b` over n rows.
 * @example arith('-', endTimes, startTimes, n) // a duration vector
 */
export function arith(op: ArithOp, a: Vec, b: Vec, n: number, at: { line: number; column: number }): Vec {
  if (a.t === 'const' && b.t === 'const' && (a.value === null || b.value === null)) return { t: 'const', value: null, type: 'number' }
  const na = numbers(a)
  const nb = numbers(b)
  if (na !== undefined && nb !== undefined) {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = num(op, na.at(i), nb.at(i))
    const dur = (op === '+' || op === '-') ? na.dur || nb.dur : (op === '*' || (op === '/' && !nb.dur)) && na.dur !== nb.dur
    return { t: 'num', v: out, p: andPresent(n, na.p, nb.p), dur }
  }
  const ta = times(a)
  const tb = times(b)
  if (ta !== undefined && tb !== undefined && op === '-') {
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = Number(ta.at(i) - tb.at(i))
    return { t: 'num', v: out, p: andPresent(n, ta.p, tb.p), dur: true }
  }
  if (ta !== undefined && nb !== undefined && (op === '+' || op === '-')) {
    const out = new BigInt64Array(n)
    const sign = op === '+' ? 1n : -1n
    for (let i = 0; i < n; i++) out[i] = ta.at(i) + sign * BigInt(Math.round(nb.at(i)))
    return { t: 'time', v: out, p: andPresent(n, ta.p, nb.p) }
  }
  if (a.t === 'any' || b.t === 'any') return anyArith(op, a, b, n)
  throw new QueryError('INVALID_ARGUMENT', `cannot apply ${op} to ${describe(a)} and ${describe(b)}: expected numbers, durations, or a time and a duration`, at)
}

/** Row by row, for attributes whose type differs between rows: non-numbers give absent. */
function anyArith(op: ArithOp, a: Vec, b: Vec, n: number): Vec {
  const out = new Float64Array(n)
  const p = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const x = cell(a, i)
    const y = cell(b, i)
    const xn = typeof x === 'bigint' ? Number(x) : x
    const yn = typeof y === 'bigint' ? Number(y) : y
    if (typeof xn === 'number' && typeof yn === 'number') {
      out[i] = num(op, xn, yn)
      p[i] = 1
    }
  }
  return { t: 'num', v: out, p }
}

function describe(v: Vec): string {
  if (v.t === 'const') return v.type === 'any' ? 'an absent value' : `a ${v.type}`
  const names: Record<string, string> = { num: 'a number', time: 'a time', str: 'a string', bool: 'a boolean', id: 'an id', list: 'a list', any: 'a value' }
  return names[v.t]
}
