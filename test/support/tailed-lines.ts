/**
 * @module test/support/tailed-lines
 * Numbered JSON log lines for the tail crash tests, and the check that a server stored each
 * of them exactly once.
 */
import { expect } from 'vitest'
import { queryRows } from './query-client.ts'

/** Lines `from` to `to` - 1: `{"seq": i, "level": …, "msg": …}`, every tenth an error, of varied lengths. */
export function jsonLines(from: number, to: number): string {
  let out = ''
  for (let i = from; i < to; i++) out += `${JSON.stringify({ seq: i, level: i % 10 === 0 ? 'error' : 'info', msg: `line ${i} ${'x'.repeat(i % 50)}` })}\n`
  return out
}

/** Log records stored in the default tenant of the server whose HTTP API is `http`. */
export async function logCount(http: string): Promise<number> {
  return (await queryRows(http, 'logs | stats count()'))[0][0] as number
}

/** Lines 0 to `total` - 1 are stored, each exactly once (by sequence number and by body). */
export async function expectEachLineOnce(http: string, total: number): Promise<void> {
  expect(await logCount(http)).toBe(total)
  expect(await queryRows(http, 'logs | stats count() as n by body | where n > 1 | limit 5')).toEqual([])
  expect(await queryRows(http, 'logs | stats count() as n by attr.seq | where n > 1 | limit 5')).toEqual([])
  expect(await queryRows(http, 'logs | stats min(attr.seq), max(attr.seq), count_distinct(attr.seq)')).toEqual([[0, total - 1, total]])
  expect(await queryRows(http, 'logs | where severity = 17 | stats count()')).toEqual([[total / 10]])
}
