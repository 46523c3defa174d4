/**
 * The syslog server's TCP framing on its own: octet counting split across writes, lines,
 * a bad message counted without harm to the others, an oversized frame closing the connection.
 */
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import type { Batch } from '../../storage/index.ts'
import { SyslogServer } from './syslog-server.ts'

describe('SyslogServer over TCP', () => {
  it('reads both framings, counts bad messages and drops a connection sending an oversized frame', async () => {
    const batches: Batch[] = []
    const server = new SyslogServer({ tcp: { host: '127.0.0.1', port: 0 }, protocol: 'auto', tenant: 't', sink: async (_, b) => void batches.push(b) })
    await server.start()
    const [host, port] = server.addresses.tcp!.split(':')
    const socket = connect(Number(port), host)
    await new Promise((done) => socket.once('connect', done))
    const m1 = '<14>1 - h app - - - first'
    socket.write(`${Buffer.byteLength(m1)} ${m1.slice(0, 10)}`)
    await new Promise((r) => setTimeout(r, 20)) // a frame arriving in two TCP segments
    socket.write(`${m1.slice(10)}`)
    socket.write('<14>Dec  7 04:32:09 vm app: second\r\nnot syslog\n<14>1 - h app - - - third\n')
    const closed = new Promise((done) => socket.once('close', done))
    socket.write(`99999999 x`)
    await closed
    await server.stop()
    const bodies = batches.flatMap((b) => {
      const c = b.columns.body
      return c.kind === 'str' ? Array.from(c.codes, (code) => c.dict[code]) : []
    })
    expect(bodies).toEqual(['first', 'second', 'third'])
    const snap = server.stats.snapshot()
    expect(snap.counters).toMatchObject({ connections: 1, messages: 4, recordsStored: 3 })
    expect(snap.errorsByCode).toEqual({ MALFORMED: 1, TOO_LARGE: 1 })
  })
})
