import { describe, expect, it } from 'vitest'
import { parseSyslog } from './syslog-parser.ts'

describe('parseSyslog', () => {
  it('parses RFC 5424 messages, structured data included', () => {
    expect(parseSyslog('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] \ufeffAn application event log entry...', 'auto')).toEqual({
      timeUnixNano: 1065910455003000000n,
      severityNumber: 10,
      severityText: 'notice',
      body: 'An application event log entry...',
      attributes: {
        version: 1n, hostname: 'mymachine.example.com', appname: 'evntslog', msg_id: 'ID47', priority: 165n, facility: 20n,
        structured_data: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' }, 'examplePriority@32473': { class: 'high' } },
      },
    })
    expect(parseSyslog('<34>1 2003-10-11T22:14:15.123456-07:00 - su 77 - - ', 'auto')).toMatchObject({
      timeUnixNano: 1065935655123456000n, severityText: 'crit', severityNumber: 21, body: '', attributes: { appname: 'su', proc_id: '77', facility: 4n },
    })
    expect(parseSyslog('<0>1 - - - - - [a x="q\\"]"]', 'rfc5424').attributes.structured_data).toEqual({ a: { x: 'q"]' } })
  })

  it('parses RFC 3164 messages in local time of the current year', () => {
    const now = new Date(2026, 11, 7, 5, 0, 0)
    expect(parseSyslog('<12>Dec  7 04:32:09 vm app2[42]: hello 3164\n', 'auto', now)).toEqual({
      timeUnixNano: BigInt(new Date(2026, 11, 7, 4, 32, 9).getTime()) * 1_000_000n,
      severityNumber: 13,
      severityText: 'warning',
      body: 'hello 3164',
      attributes: { hostname: 'vm', appname: 'app2', proc_id: '42', priority: 12n, facility: 1n },
    })
    expect(parseSyslog('<13>Dec 31 23:59:59 vm x: late', 'auto', new Date(2027, 0, 1, 0, 0, 5)).timeUnixNano).toBe(BigInt(new Date(2026, 11, 31, 23, 59, 59).getTime()) * 1_000_000n)
    expect(parseSyslog('<13>no header at all', 'rfc3164')).toMatchObject({ body: 'no header at all', attributes: { priority: 13n } })
  })

  it('names what is wrong with a bad message', () => {
    expect(() => parseSyslog('hello', 'auto')).toThrow('cannot parse the syslog message "hello": expected <PRI> (0 to 191) at the start')
    expect(() => parseSyslog('<200>x', 'auto')).toThrow('expected <PRI>')
    expect(() => parseSyslog('<1>1 yesterday h a p m - x', 'auto')).toThrow('invalid TIMESTAMP "yesterday"')
    expect(() => parseSyslog('<1>1 - h a p m [x', 'auto')).toThrow('invalid SD-PARAM in [x]')
    expect(() => parseSyslog('<1>1 - h a p m x', 'auto')).toThrow('expected STRUCTURED-DATA (- or [...])')
  })
})
