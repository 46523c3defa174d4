import { describe, expect, it } from 'vitest'
import { parseRecord, parseTimestamp } from './line-parser.ts'

const T = 1796618401123000000n // 2026-12-07T04:40:01.123Z

describe('parseRecord', () => {
  const f = (format: 'auto' | 'json' | 'logfmt' | 'plain', text: string, want: object) => expect(parseRecord(text, format)).toEqual({ attributes: {}, ...want })

  it('reads JSON lines: time, level and message keys, other keys as attributes', () => {
    f('auto', '{"time":"2026-12-07T04:40:01.123Z","level":"warn","msg":"disk low","free":12,"ratio":0.5,"ctx":{"a":[1]}}', {
      body: 'disk low', timeUnixNano: T, severityNumber: 13, severityText: 'WARN', attributes: { free: 12n, ratio: 0.5, ctx: { a: [1n] } },
    })
    f('json', '{"ts":1796618401.123,"level":50,"message":"boom"}', { body: 'boom', timeUnixNano: T, severityNumber: 17 })
    f('json', '{"@timestamp":1796618401123,"severity":"Error"}', { body: '{"@timestamp":1796618401123,"severity":"Error"}', timeUnixNano: T, severityNumber: 17, severityText: 'ERROR' })
    f('json', '[1,2]', { body: '[1,2]' })
  })

  it('reads logfmt lines', () => {
    f('auto', 'time=2026-12-07T04:40:01.123Z level=error msg="cannot open \\"x\\"" user=ann', {
      body: 'cannot open "x"', timeUnixNano: T, severityNumber: 17, severityText: 'ERROR', attributes: { user: 'ann' },
    })
    f('logfmt', 'a=1 b=', { body: 'a=1 b=', attributes: { a: '1', b: '' } })
  })

  it('reads a leading timestamp and severity from plain lines', () => {
    f('auto', '2026-12-07 04:40:01,123 ERROR [main] failed', { body: '2026-12-07 04:40:01,123 ERROR [main] failed', timeUnixNano: T, severityNumber: 17, severityText: 'ERROR' })
    f('auto', '2026-12-07T06:40:01.123+02:00 [INFO] started', { body: '2026-12-07T06:40:01.123+02:00 [INFO] started', timeUnixNano: T, severityNumber: 9, severityText: 'INFO' })
    f('plain', 'just words = here', { body: 'just words = here' })
    f('auto', 'only=one pair is not logfmt', { body: 'only=one pair is not logfmt' })
  })

  it('parses timestamps of every precision', () => {
    expect([parseTimestamp('2026-12-07T04:40:01.123456789Z'), parseTimestamp(1796618401123456), parseTimestamp('1796618401123456789'), parseTimestamp('yesterday')]).toEqual([
      1796618401123456789n, 1796618401123456000n, 1796618401123456789n, undefined,
    ])
  })
})
