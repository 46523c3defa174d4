/**
 * Syslog inside the real server, sent by util-linux's `logger` over UDP and TCP in RFC 5424
 * and RFC 3164 (and RFC 6587 octet counting): every message stored once, with its severity,
 * facility, program name and text.
 */
import { spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCollectorServer, type CollectorServer } from './support/collector-server.ts'
import { waitFor } from './support/wait-for.ts'
import { systemTool } from './support/system-tool.ts'

const logger = systemTool('logger', ['/usr/bin/logger', 'logger'], 'apt-get install -y bsdutils')

function send(args: string[], lines: string[]): Promise<void> {
  return new Promise((done, reject) => {
    const child = spawn(logger!, args, { stdio: ['pipe', 'ignore', 'pipe'] })
    let err = ''
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? done() : reject(new Error(`logger ${args.join(' ')} exited with ${code}: ${err}`))))
    child.stdin!.end(lines.join('\n') + '\n')
  })
}

describe.skipIf(logger === undefined)('syslog from logger', () => {
  let blaze: CollectorServer
  let udp: string
  let tcp: string

  beforeAll(async () => {
    blaze = await startCollectorServer({ syslog: { udpAddr: '127.0.0.1:0', tcpAddr: '127.0.0.1:0' } })
    const res = await fetch(`${blaze.url}/api/v1/admin/collectors`)
    const body = (await res.json()) as { collectors: { kind: string; detail: { addresses: { udp: string; tcp: string } } }[] }
    ;({ udp, tcp } = body.collectors.find((c) => c.kind === 'syslog')!.detail.addresses)
  })
  afterAll(async () => blaze?.close())

  it('stores every message of every transport and format once, with its fields', async () => {
    const port = (addr: string) => addr.split(':')[1]
    const modes = [
      { tag: 'udp5424', args: ['--udp', '--rfc5424', '--port', port(udp), '-p', 'local0.err'], severity: 17, facility: 16 },
      { tag: 'udp3164', args: ['--udp', '--rfc3164', '--port', port(udp), '-p', 'user.warning'], severity: 13, facility: 1 },
      { tag: 'tcp5424', args: ['--tcp', '--rfc5424', '--port', port(tcp), '-p', 'daemon.info'], severity: 9, facility: 3 },
      { tag: 'tcp3164', args: ['--tcp', '--rfc3164', '--port', port(tcp), '-p', 'local7.debug'], severity: 5, facility: 23 },
      { tag: 'tcpcount', args: ['--tcp', '--octet-count', '--rfc5424', '--port', port(tcp), '-p', 'auth.crit'], severity: 21, facility: 4 },
    ]
    const perMode = 20
    for (const m of modes) {
      const lines = Array.from({ length: perMode }, (_, i) => `${m.tag} message ${i} with "quotes" and [brackets]`)
      await send(['--server', '127.0.0.1', '-t', m.tag, ...m.args], lines)
    }
    await waitFor('every message', async () => {
      const r = await blaze.rows('logs | stats count()')
      return (r[0].count as number) >= modes.length * perMode ? true : undefined
    }, 60_000, 200)
    const rows = await blaze.rows('logs | stats count() as n, count_distinct(body) as bodies, min(severity) as sev, max(attr.facility) as facility by attr.appname | sort attr.appname')
    expect(rows).toEqual(
      modes.map((m) => ({ 'attr.appname': m.tag, n: perMode, bodies: perMode, sev: m.severity, facility: m.facility })).sort((a, b) => (a['attr.appname'] < b['attr.appname'] ? -1 : 1)),
    )
    const one = await blaze.rows('logs | where attr.appname = "tcpcount" and body = "tcpcount message 7 with \\"quotes\\" and [brackets]" | limit 1')
    expect(one[0]).toMatchObject({ severity_text: 'crit', 'attr.version': 1, 'attr.hostname': expect.any(String) })
    const counters = ((await (await fetch(`${blaze.url}/api/v1/admin/collectors`)).json()) as { collectors: { kind: string; counters: Record<string, number> }[] }).collectors.find((c) => c.kind === 'syslog')!.counters
    expect(counters).toMatchObject({ messages: modes.length * perMode, recordsStored: modes.length * perMode })
  })
})
