/**
 * @module test/support/webhook-receiver
 * A local HTTP receiver for notification tests: records every JSON POST it gets; `hang(n)`
 * makes it leave the next n requests unanswered (a receiver that times out).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ReceivedRequest {
  path: string
  body: any
  at: number
}

export interface WebhookReceiver {
  url: string
  received: ReceivedRequest[]
  /** Requests that arrived, answered or not. */
  attempts: number
  hang(n: number): void
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = []
  let hanging = 0
  let attempts = 0
  const open = new Set<ServerResponse>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      attempts++
      if (hanging > 0) {
        hanging--
        open.add(res)
        return
      }
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')), at: Date.now() })
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get attempts() {
      return attempts
    },
    hang: (n) => (hanging = n),
    close: () =>
      new Promise((done) => {
        for (const res of open) res.destroy()
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}
