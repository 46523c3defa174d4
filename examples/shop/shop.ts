/**
 * Starts the shop (cart, payment, frontend as three processes) against a BlazeDB server, and
 * places orders: `placeOrders(frontend, from, count)`. Used by the demo and by its test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve } from 'node:path'

const MAIN = resolve(import.meta.dirname, 'service-main.ts')

export interface Shop {
  frontend: string
  /** SIGTERM to every service; resolves when all exported their last data and exited. */
  stop(): Promise<void>
}

function startService(name: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN, name], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((done, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^shop: \w+ listening on (\S+)$/.exec(line)
      if (m !== null) done({ child, url: `http://${m[1]}` })
    })
    child.once('exit', (code) => reject(new Error(`shop ${name} exited with ${code} before listening`)))
  })
}

/** Starts the three services sending to the OTLP addresses given (host:port). */
export async function startShop(otlpGrpc: string, otlpHttp: string): Promise<Shop> {
  const env = { BLAZEDB_OTLP_GRPC: otlpGrpc, BLAZEDB_OTLP_HTTP: otlpHttp }
  const cart = await startService('cart', env)
  const payment = await startService('payment', env)
  const frontend = await startService('frontend', { ...env, CART_URL: cart.url, PAYMENT_URL: payment.url })
  const children = [frontend.child, cart.child, payment.child]
  return {
    frontend: frontend.url,
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((done) => {
              if (c.exitCode !== null) return done()
              c.once('exit', () => done())
              c.kill('SIGTERM')
            }),
        ),
      )
    },
  }
}

/** Places orders `from .. from+count-1`, `parallel` at a time; returns how many were placed. */
export async function placeOrders(frontend: string, from: number, count: number, parallel = 4): Promise<{ placed: number; failed: number }> {
  let next = from
  let placed = 0
  let failed = 0
  const worker = async (): Promise<void> => {
    while (next < from + count) {
      const order = next++
      const res = await fetch(`${frontend}/checkout?order=${order}`, { method: 'POST' })
      await res.arrayBuffer()
      if (res.status === 200) placed++
      else failed++
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  return { placed, failed }
}
