import { describe, expect, it } from 'vitest'
import { parseIdempotencyKey } from './idempotency-key.ts'

describe('parseIdempotencyKey', () => {
  it('reads a Structured Field string or a bare token', () => {
    const f = (header: string | string[] | undefined, want: string | undefined): void => expect(parseIdempotencyKey(header)).toBe(want)
    f(undefined, undefined)
    f('"tail:9f2c:0-4096"', 'tail:9f2c:0-4096')
    f(' "a b" ', 'a b')
    f('"quote \\" and \\\\"', 'quote " and \\')
    f('8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324')
    f(['"k"'], 'k')
    f(`"${'k'.repeat(256)}"`, 'k'.repeat(256))
  })

  it('refuses what is not one key of 1 to 256 printable characters', () => {
    const f = (header: string | string[], message: RegExp): void => expect(() => parseIdempotencyKey(header)).toThrow(expect.objectContaining({ code: 'INVALID_HEADER', message: expect.stringMatching(message) }))
    f('""', /0 characters, expected 1 to 256/)
    f('', /0 characters/)
    f('k'.repeat(257), /257 characters/)
    f('"unterminated', /not a valid quoted string/)
    f('"bad \\n escape"', /not a valid quoted string/)
    f('"tab\there"', /not a valid quoted string/)
    f('two words', /not printable ASCII/)
    f('clé', /not printable ASCII/)
    f(['"a"', '"b"'], /sent 2 times/)
  })
})
