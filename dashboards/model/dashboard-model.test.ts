/** Variable values become query string literals that cannot break out of their quotes. */
import { describe, expect, test } from 'vitest'
import { parseQuery } from '../../query/index.ts'
import { quoteValue, substituteVariables } from './dashboard-model.ts'

describe('variables', () => {
  const f = (value: string): void => {
    const q = parseQuery(`spans | where service.name = ${quoteValue(value)}`)
    const where = q.stages[0] as unknown as { predicate: { right: { value: unknown } } }
    expect(where.predicate.right.value).toBe(value)
  }
  test('quoted values read back as themselves', () => {
    f('payments')
    f('say "hi" | stats count()')
    f('back\\slash')
    f('new\nline\ttab\rreturn')
    f('\u0001\u001f\u007f\u2028')
    f('<script>alert(1)</script>')
    f('')
  })
  test('substitution replaces known names only', () => {
    expect(substituteVariables('spans | where service.name = $service and name = $op', { service: 'a"b' })).toBe('spans | where service.name = "a\\"b" and name = $op')
  })
})
