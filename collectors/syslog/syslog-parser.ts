/**
 * @module collectors/syslog/syslog-parser
 * Parses one syslog message, RFC 5424 (https://www.rfc-editor.org/rfc/rfc5424) or the BSD
 * format of RFC 3164 (https://www.rfc-editor.org/rfc/rfc3164), told apart by the version
 * number that follows the priority in RFC 5424. Fields become log record fields the way
 * OpenTelemetry's syslog receiver names them: attributes `appname`, `hostname`, `facility`,
 * `priority`, `proc_id`, `msg_id`, `structured_data`, `version`; the message is the body.
 */
import type { AnyValue } from '../../storage/index.ts'
import { CollectorError } from '../errors.ts'

export type SyslogProtocol = 'auto' | 'rfc5424' | 'rfc3164'
export const SYSLOG_PROTOCOLS: readonly SyslogProtocol[] = ['auto', 'rfc5424', 'rfc3164']

export interface SyslogRecord {
  /** Epoch nanoseconds, when the message has a timestamp. */
  timeUnixNano?: bigint
  severityNumber: number
  severityText: string
  body: string
  attributes: Record<string, AnyValue>
}

/** Syslog severities 0..7 and their OpenTelemetry severity numbers (emerg FATAL4 .. debug DEBUG). */
const SEVERITIES: readonly [string, number][] = [
  ['emerg', 24], ['alert', 23], ['crit', 21], ['err', 17], ['warning', 13], ['notice', 10], ['info', 9], ['debug', 5],
]

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function fail(reason: string, text: string): never {
  throw new CollectorError('MALFORMED', `cannot parse the syslog message ${JSON.stringify(text.slice(0, 60))}: ${reason}`)
}

/**
 * Parses one message (without transport framing).
 * @example parseSyslog('<34>1 2026-12-07T04:32:09Z host app 12 ID47 - hello', 'auto').body // 'hello'
 */
export function parseSyslog(text: string, protocol: SyslogProtocol, now = new Date()): SyslogRecord {
  const pri = /^<(\d{1,3})>/.exec(text)
  if (pri === null || Number(pri[1]) > 191) fail('expected <PRI> (0 to 191) at the start', text)
  const priority = Number(pri[1])
  const [severityText, severityNumber] = SEVERITIES[priority & 7]
  const rest = text.slice(pri[0].length)
  const is5424 = protocol === 'rfc5424' || (protocol === 'auto' && /^[1-9]\d{0,2} /.test(rest))
  const rec: SyslogRecord = is5424 ? parse5424(rest, text) : parse3164(rest, now)
  rec.severityNumber = severityNumber
  rec.severityText = severityText
  rec.attributes.priority = BigInt(priority)
  rec.attributes.facility = BigInt(priority >> 3)
  return rec
}

function nil(v: string): string | undefined {
  return v === '-' ? undefined : v
}

function parse5424(rest: string, text: string): SyslogRecord {
  // VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
  const head = /^(\d{1,3}) (\S+) (\S+) (\S+) (\S+) (\S+) /.exec(rest)
  if (head === null) fail('expected VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID (RFC 5424)', text)
  const [, version, timestamp, hostname, appname, procId, msgId] = head
  const rec: SyslogRecord = { severityNumber: 0, severityText: '', body: '', attributes: { version: BigInt(version) } }
  if (timestamp !== '-') {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$/.exec(timestamp)
    if (m === null) fail(`invalid TIMESTAMP ${JSON.stringify(timestamp)}`, text)
    const ms = Date.parse(`${m[1]}${m[3]}`)
    if (Number.isNaN(ms)) fail(`invalid TIMESTAMP ${JSON.stringify(timestamp)}`, text)
    rec.timeUnixNano = BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
  }
  for (const [key, value] of [['hostname', hostname], ['appname', appname], ['proc_id', procId], ['msg_id', msgId]] as const) {
    const v = nil(value)
    if (v !== undefined) rec.attributes[key] = v
  }
  let pos = head[0].length
  if (rest[pos] === '-') pos++
  else if (rest[pos] === '[') {
    const sd: Record<string, AnyValue> = {}
    while (rest[pos] === '[') {
      const id = /^\[([^\s\]=]+)/.exec(rest.slice(pos))
      if (id === null) fail('invalid SD-ID in STRUCTURED-DATA', text)
      pos += id[0].length
      const params: Record<string, AnyValue> = {}
      for (;;) {
        if (rest[pos] === ']') {
          pos++
          break
        }
        const p = /^ ([^\s\]="]+)="((?:[^"\\]|\\.)*)"/.exec(rest.slice(pos))
        if (p === null) fail(`invalid SD-PARAM in [${id[1]}]`, text)
        params[p[1]] = p[2].replace(/\\(["\\\]])/g, '$1')
        pos += p[0].length
      }
      sd[id[1]] = params
    }
    rec.attributes.structured_data = sd
  } else fail('expected STRUCTURED-DATA (- or [...])', text)
  let msg = rest[pos] === ' ' ? rest.slice(pos + 1) : rest.slice(pos)
  if (msg.startsWith('\ufeff')) msg = msg.slice(1)
  rec.body = msg.replace(/[\r\n]+$/, '')
  return rec
}

function parse3164(rest: string, now: Date): SyslogRecord {
  const rec: SyslogRecord = { severityNumber: 0, severityText: '', body: '', attributes: {} }
  // TIMESTAMP is "Mmm dd hh:mm:ss" in the sender's local time, without a year.
  const ts = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) /.exec(rest)
  let msg = rest
  if (ts !== null && MONTHS.includes(ts[1])) {
    const month = MONTHS.indexOf(ts[1])
    const at = (year: number) => new Date(year, month, Number(ts[2]), Number(ts[3]), Number(ts[4]), Number(ts[5]))
    let date = at(now.getFullYear())
    // A December message read in January belongs to last year.
    if (date.getTime() - now.getTime() > 86_400_000) date = at(now.getFullYear() - 1)
    rec.timeUnixNano = BigInt(date.getTime()) * 1_000_000n
    msg = rest.slice(ts[0].length)
    const host = /^(\S+) /.exec(msg)
    if (host !== null && !host[1].endsWith(':')) {
      rec.attributes.hostname = host[1]
      msg = msg.slice(host[0].length)
    }
  }
  // TAG: the program name, maybe with [pid], ending in ":".
  const tag = /^([^\s:[\]]{1,48})(?:\[([^\]]*)\])?: ?/.exec(msg)
  if (tag !== null) {
    rec.attributes.appname = tag[1]
    if (tag[2] !== undefined) rec.attributes.proc_id = tag[2]
    msg = msg.slice(tag[0].length)
  }
  rec.body = msg.replace(/[\r\n]+$/, '')
  return rec
}
