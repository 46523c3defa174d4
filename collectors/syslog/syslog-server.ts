/**
 * @module collectors/syslog/syslog-server
 * The syslog receiver: UDP (one message a datagram, RFC 5426) and TCP (RFC 6587: octet
 * counting, `LEN SP MSG`, when a frame starts with a digit; else non-transparent framing, one
 * message a line). Messages are parsed and stored as log records in batches, flushed every
 * SYSLOG_FLUSH_MS or at SYSLOG_MAX_BATCH records. Syslog has no acknowledgement: a batch the
 * store refuses is counted and lost.
 */
import { createSocket, type Socket } from 'node:dgram'
import { createServer, type Server, type Socket as TcpSocket } from 'node:net'
import { ATTR_PREFIX, BatchBuilder, COMMON_COLUMNS, LOG_COLUMNS } from '../../storage/index.ts'
import { CollectorStats, type BatchSink, type CollectorSnapshot } from '../collector-stats.ts'
import { CollectorError, sinkFailure } from '../errors.ts'
import { SYSLOG_FLUSH_MS, SYSLOG_MAX_BATCH, SYSLOG_MAX_MESSAGE_BYTES } from '../limits.ts'
import { parseSyslog, type SyslogProtocol, type SyslogRecord } from './syslog-parser.ts'

const SCOPE_NAME = 'blazedb/collectors/syslog'

export interface SyslogServerOptions {
  udp?: { host: string; port: number }
  tcp?: { host: string; port: number }
  protocol: SyslogProtocol
  tenant: string
  sink: BatchSink
  log?: (line: string) => void
}

interface Received {
  rec: SyslogRecord
  observed: bigint
}

export class SyslogServer {
  readonly stats = new CollectorStats('syslog')
  /** Bound addresses, host:port. */
  readonly addresses: { udp?: string; tcp?: string } = {}
  private readonly o: SyslogServerOptions
  private udp: Socket | undefined
  private tcp: Server | undefined
  private readonly connections = new Set<TcpSocket>()
  private pending: Received[] = []
  private timer: NodeJS.Timeout | undefined
  private flushing = new Set<Promise<void>>()

  constructor(options: SyslogServerOptions) {
    this.o = options
  }

  async start(): Promise<void> {
    if (this.o.udp !== undefined) {
      const { host, port } = this.o.udp
      const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4')
      this.udp = udp
      udp.on('message', (msg) => this.receive(msg.toString('utf8')))
      udp.on('error', (error) => this.stats.error('SOURCE_FAILED', `syslog UDP socket: ${error.message}`))
      await new Promise<void>((done, reject) => {
        udp.once('error', reject)
        udp.bind(port, host, () => done())
      })
      const a = udp.address()
      this.addresses.udp = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
      this.o.log?.(`blazedb: syslog-udp listening on ${this.addresses.udp}`)
    }
    if (this.o.tcp !== undefined) {
      const { host, port } = this.o.tcp
      const tcp = createServer((socket) => this.serveConnection(socket))
      this.tcp = tcp
      await new Promise<void>((done, reject) => {
        tcp.once('error', reject)
        tcp.listen(port, host, () => done())
      })
      const a = tcp.address() as { address: string; port: number; family: string }
      this.addresses.tcp = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
      this.o.log?.(`blazedb: syslog-tcp listening on ${this.addresses.tcp}`)
    }
  }

  async stop(): Promise<void> {
    this.udp?.close()
    for (const c of this.connections) c.destroy()
    await new Promise<void>((done) => (this.tcp === undefined ? done() : this.tcp.close(() => done())))
    clearTimeout(this.timer)
    this.flush()
    await Promise.all(this.flushing)
  }

  snapshot(): CollectorSnapshot {
    return this.stats.snapshot({ addresses: this.addresses })
  }

  private serveConnection(socket: TcpSocket): void {
    this.connections.add(socket)
    this.stats.add('connections')
    socket.on('close', () => this.connections.delete(socket))
    socket.on('error', () => {}) // a peer reset ends the connection; nothing to answer
    let buf: Buffer = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      for (;;) {
        if (buf.length === 0) return
        const c = buf[0]
        if (c >= 0x30 && c <= 0x39) {
          // Octet counting: MSG-LEN SP SYSLOG-MSG
          const sp = buf.indexOf(0x20)
          if (sp < 0) {
            if (buf.length > 10) return this.dropConnection(socket, 'a frame length longer than 10 digits')
            return
          }
          const len = Number(buf.subarray(0, sp).toString('latin1'))
          if (!Number.isInteger(len) || len > SYSLOG_MAX_MESSAGE_BYTES) return this.dropConnection(socket, `a frame of ${buf.subarray(0, sp).toString('latin1')} bytes (the limit is ${SYSLOG_MAX_MESSAGE_BYTES})`)
          if (buf.length < sp + 1 + len) return
          this.receive(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'))
          buf = buf.subarray(sp + 1 + len)
        } else {
          const nl = buf.indexOf(0x0a)
          if (nl < 0) {
            if (buf.length > SYSLOG_MAX_MESSAGE_BYTES) return this.dropConnection(socket, `a line longer than ${SYSLOG_MAX_MESSAGE_BYTES} bytes`)
            return
          }
          const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '')
          if (line !== '') this.receive(line)
          buf = buf.subarray(nl + 1)
        }
      }
    })
  }

  private dropConnection(socket: TcpSocket, reason: string): void {
    this.stats.error('TOO_LARGE', `cannot read syslog from ${socket.remoteAddress}: ${reason}; connection closed`)
    socket.destroy()
  }

  private receive(text: string): void {
    this.stats.add('messages')
    let rec: SyslogRecord
    try {
      rec = parseSyslog(text, this.o.protocol)
    } catch (error) {
      const e = error instanceof CollectorError ? error : new CollectorError('MALFORMED', String(error))
      this.stats.error(e.code, e.message)
      return
    }
    this.pending.push({ rec, observed: BigInt(Date.now()) * 1_000_000n })
    if (this.pending.length >= SYSLOG_MAX_BATCH) this.flush()
    else this.timer ??= setTimeout(() => this.flush(), SYSLOG_FLUSH_MS)
  }

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const records = this.pending
    this.pending = []
    if (records.length === 0) return
    const b = new BatchBuilder('logs')
    records.forEach(({ rec, observed }, row) => {
      b.setI64(LOG_COLUMNS.timeUnixNano, row, rec.timeUnixNano ?? observed)
      b.setI64(LOG_COLUMNS.observedTimeUnixNano, row, observed)
      b.setU32(LOG_COLUMNS.severityNumber, row, rec.severityNumber)
      b.setStr(LOG_COLUMNS.severityText, row, rec.severityText)
      b.setStr(LOG_COLUMNS.body, row, rec.body)
      b.setStr(COMMON_COLUMNS.scopeName, row, SCOPE_NAME)
      for (const [k, v] of Object.entries(rec.attributes)) b.setAttribute(ATTR_PREFIX + k, row, v)
    })
    const batch = b.finish(records.length)
    const done = this.o
      .sink(this.o.tenant, batch)
      .then(() => this.stats.add('recordsStored', batch.length))
      .catch((error: unknown) => {
        const e = sinkFailure(error)
        this.stats.error(e.code, e.message)
        this.stats.add('recordsLost', batch.length)
      })
      .finally(() => this.flushing.delete(done))
    this.flushing.add(done)
  }
}
