/**
 * The shared block cache: a chunk one member decodes reaches the others (arrays in shared
 * memory, strings remade), members evict together so the chunks held stay within the one
 * budget, and caches on other channels see nothing. Members here are caches on one thread (a
 * BroadcastChannel delivers to every other instance of its name); query/query-service.test.ts
 * shares one across query threads.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, expect, test } from 'vitest'
import { waitFor } from '../../test/support/wait-for.ts'
import type { Column } from '../model.ts'
import { SharedBlockCache } from './shared-block-cache.ts'

const ROWS = 1000
const open: SharedBlockCache[] = []

function caches(n: number, budget: number, name = `test-${randomUUID()}`): SharedBlockCache[] {
  const made = Array.from({ length: n }, () => new SharedBlockCache(budget, name))
  open.push(...made)
  return made
}

afterEach(() => {
  for (const c of open.splice(0)) c.close()
})

const durations = (seed: number): Column => ({ kind: 'i64', values: BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i * seed)) })
const names = (): Extract<Column, { kind: 'str' }> => ({ kind: 'str', dict: ['GET /a', 'POST /b', 'ünïcode ✓'], codes: Uint32Array.from({ length: ROWS }, (_, i) => i % 3), present: Uint8Array.from({ length: ROWS }, (_, i) => (i % 5 === 0 ? 0 : 1)) })
const attrs = (): Column => ({ kind: 'any', values: Array.from({ length: ROWS }, (_, i) => (i % 2 === 0 ? { k: i } : [`v${i}`])) as never })

test('a chunk set by one member is read by the others, equal to what was decoded, arrays shared', async () => {
  const [a, b] = caches(2, 64 * 1024 * 1024)
  a.set('p:0:duration', durations(3))
  a.set('p:0:name', names())
  a.set('p:0:attrs', attrs())
  await waitFor('the announcements to arrive', () => b.size.chunks === 3)
  const got = b.get('p:0:duration')!
  expect(got).toEqual(durations(3))
  expect((got as { values: BigInt64Array }).values.buffer).toBeInstanceOf(SharedArrayBuffer)
  const name = b.get('p:0:name') as Extract<Column, { kind: 'str' }>
  expect(name.codes.buffer).toBeInstanceOf(SharedArrayBuffer)
  expect([...name.codes].map((c, i) => (name.present![i] === 1 ? name.dict[c] : undefined))).toEqual([...names().codes].map((c, i) => (i % 5 === 0 ? undefined : names().dict[c])))
  expect(b.get('p:0:attrs')).toEqual(attrs())
  // The member that decoded reads the same values (its own strings, shared arrays).
  expect(a.get('p:0:duration')).toEqual(durations(3))
  expect(a.size).toEqual(b.size)
})

test('evictions apply to every member: the chunks held stay within the one budget', async () => {
  const chunk = ROWS * 8
  const [a, b] = caches(2, chunk * 4)
  for (let i = 0; i < 4; i++) a.set(`p:${i}:duration`, durations(i + 1))
  await waitFor('b to hold four chunks', () => b.size.chunks === 4)
  // b reads chunk 0 (most recent for b), then decodes a fifth: b evicts its least recent (chunk 1).
  b.get('p:0:duration')
  b.set('p:4:duration', durations(5))
  expect(b.size).toEqual({ chunks: 4, bytes: chunk * 4 })
  expect(b.get('p:1:duration')).toBeUndefined()
  // a learns of the fifth chunk (and evicts its own least recent, chunk 0) and of b's eviction.
  await waitFor('a to learn of the fifth chunk and the evictions', () => a.get('p:4:duration') !== undefined && a.get('p:1:duration') === undefined)
  expect(a.size.bytes).toBeLessThanOrEqual(chunk * 4)
  // Both announced their evictions: what both still hold is within the budget.
  await waitFor('b to apply a\'s eviction', () => b.size.chunks === a.size.chunks)
  expect(b.get('p:0:duration')).toBeUndefined()
  expect(a.get('p:2:duration')).toEqual(durations(3))
  // Each member counts the chunks it decoded itself (their shared memory is its allocation).
  expect([a.ownSize, b.ownSize]).toEqual([chunk * 2, chunk])
})

test('a chunk past a quarter of the budget is not kept; other channels see nothing', async () => {
  const [a, b] = caches(2, ROWS * 8 * 3)
  const [other] = caches(1, 64 * 1024 * 1024)
  a.set('big', durations(1))
  expect(a.get('big')).toBeUndefined()
  a.set('p:0:name', names())
  await waitFor('b to hold the name chunk', () => b.size.chunks === 1)
  expect(other.size).toEqual({ chunks: 0, bytes: 0 })
  a.clear()
  await waitFor('b to drop it', () => b.size.chunks === 0)
})

test('strings made from a packed chunk count once per reader thread against the budget', () => {
  const [one] = caches(1, 64 * 1024 * 1024)
  const three = new SharedBlockCache(64 * 1024 * 1024, `test-${randomUUID()}`, 3)
  open.push(three)
  one.set('p:0:name', names())
  three.set('p:0:name', names())
  three.set('p:0:duration', durations(1))
  // Each reader makes its own dictionary strings (columnBytes: 2 bytes a character and 16 a
  // string); numeric chunks are read in place, counted once whatever the readers.
  const strings = names().dict.reduce((n, s) => n + 2 * s.length + 16, 0)
  expect(three.size.bytes - one.size.bytes).toBe(2 * strings + ROWS * 8)
})

test('each member collects its garbage once it has dropped half the budget, receiving members too', async () => {
  const chunk = ROWS * 8
  const name = `test-${randomUUID()}`
  const collected = { a: 0, b: 0 }
  const a = new SharedBlockCache(chunk * 4, name, 2, () => collected.a++)
  const b = new SharedBlockCache(chunk * 4, name, 2, () => collected.b++)
  open.push(a, b)
  for (let i = 0; i < 5; i++) a.set(`p:${i}:duration`, durations(i + 1))
  // One chunk dropped: a quarter of the budget, not yet half.
  expect(collected.a).toBe(0)
  a.set('p:5:duration', durations(6))
  expect(collected.a).toBe(1)
  // b, which only received, dropped as many and collects as well.
  await waitFor('b to receive the six chunks and drop two', () => collected.b === 1)
  expect(b.size.chunks).toBe(4)
})

test('a smaller budget drops the least recently used chunks in every member; a larger one keeps new chunks again', async () => {
  const chunk = ROWS * 8
  const [a, b] = caches(2, chunk * 4)
  for (let i = 0; i < 4; i++) a.set(`p:${i}:duration`, durations(i + 1))
  await waitFor('b to hold four chunks', () => b.size.chunks === 4)
  // Every member is given the new budget (the query pool sends it to each thread).
  a.resize(chunk * 2)
  b.resize(chunk * 2)
  expect(a.size).toEqual({ chunks: 2, bytes: chunk * 2 })
  await waitFor('b to drop what a dropped', () => b.size.chunks === 2)
  expect([0, 1, 2, 3].map((i) => b.has(`p:${i}:duration`))).toEqual([false, false, true, true])
  a.resize(chunk * 4)
  b.resize(chunk * 4)
  a.set('p:4:duration', durations(5))
  await waitFor('b to hold the new chunk', () => b.size.chunks === 3)
  expect(b.get('p:4:duration')).toEqual(durations(5))
})
