/**
 * Runs one shop service: `node examples/shop/service-main.ts <frontend|cart|payment|load> [port]`.
 * The frontend finds the others in CART_URL and PAYMENT_URL; `load` places orders at
 * FRONTEND_URL, a few a second, forever. SIGTERM exports what is buffered, then exits.
 */
import type { Server } from 'node:http'
import { startTelemetry } from './telemetry.ts'

const [name = '', port = '0'] = process.argv.slice(2)
const telemetry = startTelemetry(name)
// Imported once the SDK is registered: the metrics API has no stand-in provider, so
// instruments made before it would record nothing.
const { listen } = await import('./http-tracing.ts')
const { cartService, frontendService, paymentService } = await import('./services.ts')
if (name === 'load') {
  const { placeOrders } = await import('./shop.ts')
  let stopping = false
  process.once('SIGTERM', () => (stopping = true))
  for (let next = 0; !stopping; next += 5) {
    await placeOrders(process.env.FRONTEND_URL ?? '', next, 5, 2).catch((error: Error) => console.error(`shop: load: ${error.message}`))
    await new Promise((r) => setTimeout(r, 1000))
  }
  await telemetry.shutdown()
  process.exit(0)
}
let server: Server
if (name === 'cart') server = cartService(telemetry.logger)
else if (name === 'payment') server = paymentService(telemetry.logger)
else if (name === 'frontend') server = frontendService(telemetry.logger, process.env.CART_URL ?? '', process.env.PAYMENT_URL ?? '')
else {
  console.error(`shop: unknown service ${JSON.stringify(name)}; expected frontend, cart, payment or load`)
  process.exit(2)
}
await listen(server, name, Number(port))
process.once('SIGTERM', () => {
  server.close()
  void telemetry.shutdown().then(() => process.exit(0))
})
