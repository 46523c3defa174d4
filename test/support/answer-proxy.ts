/**
 * @module test/support/answer-proxy
 * An HTTP proxy between a client and the server whose answers a test can withhold: the request
 * reaches the server (which stores it and answers), then the test acts (kills the client or
 * the server) and the client's connection is cut, as a crash or a lost answer would leave it.
 * While the server is unreachable the proxy answers 503, as a load balancer would.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface AnswerProxy {
  /** host:port the client sends to. */
  address: string
  /** host:port of the server; tests change it when the server restarts on another port. */
  target: string
  /** Requests the server answered. */
  answered: number
  /**
   * The next request the server answers 2xx: its answer is withheld, `act` runs, then the
   * client's connection is cut. Resolves once `act` has run.
   */
  withholdNext(act: () => Promise<void>): Promise<void>
  close(): Promise<void>
}

const FORWARDED = ['content-type', 'content-encoding', 'authorization', 'idempotency-key']

export async function startAnswerProxy(target: string): Promise<AnswerProxy> {
  let pending: { act: () => Promise<void>; done: () => void; failed: (e: unknown) => void } | undefined
  const proxy: AnswerProxy = {
    address: '',
    target,
    answered: 0,
    withholdNext: (act) => new Promise((done, failed) => (pending = { act, done, failed })),
    close: () => new Promise<void>((done) => {
      server.close(() => done())
      server.closeAllConnections()
    }),
  }
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const h of FORWARDED) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h]
      void (async () => {
        let answer: Response
        try {
          answer = await fetch(`http://${proxy.target}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) })
        } catch {
          res.writeHead(503, { 'retry-after': '1' }).end('server unreachable')
          return
        }
        const body = Buffer.from(await answer.arrayBuffer())
        proxy.answered++
        const hold = answer.ok ? pending : undefined
        if (hold !== undefined) {
          pending = undefined
          try {
            await hold.act()
            hold.done()
          } catch (error) {
            hold.failed(error)
          }
          res.destroy()
          return
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' }).end(body)
      })()
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  proxy.address = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return proxy
}
