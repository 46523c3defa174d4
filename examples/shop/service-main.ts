/**
 * Runs one shop service: `node examples/shop/service-main.ts <frontend|cart|payment> [port]`.
 * The frontend finds the others in CART_URL and PAYMENT_URL. SIGTERM exports what is buffered,
 * then exits.
 */
import type { Server } from 'node:http'
import { startTelemetry } from './telemetry.ts'

const [name = '', port = '0'] = process.argv.slice(2)
const telemetry = startTelemetry(name)
// Imported once the SDK is registered: the metrics API has no stand-in provider, so
// instruments made before it would record nothing.
const { listen } = await import('./http-tracing.ts')
const { cartService, frontendService, paymentService } = await import('./services.ts')
let server: Server
if (name === 'cart') server = cartService(telemetry.logger)
else if (name === 'payment') server = paymentService(telemetry.logger)
else if (name === 'frontend') server = frontendService(telemetry.logger, process.env.CART_URL ?? '', process.env.PAYMENT_URL ?? '')
else {
  console.error(`shop: unknown service ${JSON.stringify(name)}; expected frontend, cart or payment`)
  process.exit(2)
}
await listen(server, name, Number(port))
process.once('SIGTERM', () => {
  server.close()
  void telemetry.shutdown().then(() => process.exit(0))
})
