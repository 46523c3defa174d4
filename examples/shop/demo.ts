/**
 * `npm run demo`: starts BlazeDB (data in ./demo-data, password "demo") and the shop, and places
 * a few orders a second until Ctrl-C, so that traces, metrics and logs show up at once.
 */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { placeOrders, startShop } from './shop.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const server = spawn(process.execPath, [resolve(ROOT, 'bin/blazedb.js'), 'serve', '--data-dir', resolve(ROOT, 'demo-data')], {
  env: { ...process.env, BLAZEDB_PASSWORD: process.env.BLAZEDB_PASSWORD ?? 'demo' },
  stdio: ['ignore', 'pipe', 'inherit'],
})
const addresses: Record<string, string> = {}
await new Promise<void>((done, reject) => {
  createInterface({ input: server.stdout! }).on('line', (line) => {
    console.log(line)
    const m = /^blazedb: (http|otlp-http|otlp-grpc) listening on (\S+)$/.exec(line)
    if (m !== null) addresses[m[1]] = m[2]
    if (addresses.http && addresses['otlp-http'] && addresses['otlp-grpc']) done()
  })
  server.once('exit', (code) => reject(new Error(`blazedb serve exited with ${code}`)))
})
const shop = await startShop(addresses['otlp-grpc'], addresses['otlp-http'])
const api = `http://${addresses.http}`
console.log(`
The shop is running (frontend ${shop.frontend}) and sending to BlazeDB. Try:

  npm run blazedb -- query --server ${api} 'spans last 15m | stats count(), avg(duration) by service.name'
  npm run blazedb -- query --server ${api} 'spans last 15m | where status = "error" | select time, service.name, name, status_message'
  npm run blazedb -- query --server ${api} 'logs last 15m | where severity >= 17 | select time, service.name, body, trace_id'
  npm run blazedb -- query --server ${api} 'metrics last 15m | where metric.name = "shop.orders" | stats max(value) by attr.outcome'

Ctrl-C stops everything.`)

let stopping = false
let next = 0
const loop = (async () => {
  while (!stopping) {
    await placeOrders(shop.frontend, next, 5, 2)
    next += 5
    await new Promise((r) => setTimeout(r, 1000))
  }
})()
await new Promise<void>((done) => {
  process.once('SIGINT', done)
  process.once('SIGTERM', done)
})
stopping = true
await loop
await shop.stop()
server.kill('SIGTERM')
await new Promise((done) => server.once('exit', done))
