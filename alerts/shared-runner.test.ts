import { describe, expect, test } from 'vitest'
import type { QueryResult } from '../query/index.ts'
import type { QueryRunner } from './evaluator.ts'
import { SHARED_QUERY_MS } from './limits.ts'
import { sharedRunner } from './shared-runner.ts'

describe('sharedRunner', () => {
  test('the same tenant, query and window within the sharing time run once', async () => {
    const calls: string[] = []
    const run: QueryRunner = async (text, o) => {
      calls.push(`${o.tenant}:${text}:${o.end - o.start}`)
      return { columns: [], rows: [[calls.length]], stats: {} as QueryResult['stats'] }
    }
    let clock = 1_000_000
    const shared = sharedRunner(run, () => clock)
    const signal = new AbortController().signal
    const ask = (tenant: string, text: string, window: bigint) => shared(text, { tenant, start: BigInt(clock) * 1_000_000n - window, end: BigInt(clock) * 1_000_000n, signal })
    const first = await ask('a', 'logs | stats count()', 60n)
    clock += 5
    expect(await ask('a', 'logs | stats count()', 60n)).toBe(first)
    await ask('b', 'logs | stats count()', 60n)
    await ask('a', 'logs | stats count()', 120n)
    await ask('a', 'spans | stats count()', 60n)
    clock += SHARED_QUERY_MS
    expect((await ask('a', 'logs | stats count()', 60n)).rows).toEqual([[5]])
    expect(calls).toEqual(['a:logs | stats count():60', 'b:logs | stats count():60', 'a:logs | stats count():120', 'a:spans | stats count():60', 'a:logs | stats count():60'])
  })
})
