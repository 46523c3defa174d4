/**
 * `npm run demo`: starts BlazeDB (data in ./demo-data, password "demo") and the shop, and places
 * a few orders a second until Ctrl-C, so that traces, metrics and logs show up at once.
 *
 * The server and the services run in process groups of their own, so a Ctrl-C in the terminal
 * reaches only this process, which stops them in order: the traffic, then the services (each
 * exports what it buffered), then the server. Environment: BLAZEDB_DATA_DIR, BLAZEDB_PASSWORD,
 * BLAZEDB_CONFIG (a configuration of your own instead of the demo's) and the BLAZEDB_*_ADDR variables of
 * `blazedb serve` (port 0 picks a free port).
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { placeOrders, startShop } from './shop.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const dataDir = process.env.BLAZEDB_DATA_DIR ?? resolve(ROOT, 'demo-data')
// The server shows the shop's dashboard and evaluates its alert rules and, on Linux, collects
// this machine's metrics (from /proc) every 15 seconds, with the host dashboard and rules. The
// configuration names absolute paths, so the demo runs from any directory; it and the dashboards
// directory (one for both) are removed when the demo ends.
const linux = process.platform === 'linux'
const configDir = mkdtempSync(join(tmpdir(), 'blazedb-demo-'))
process.once('exit', () => rmSync(configDir, { recursive: true, force: true }))
const examples = linux ? ['shop', 'host-metrics'] : ['shop']
mkdirSync(join(configDir, 'dashboards'))
for (const name of examples) copyFileSync(resolve(ROOT, 'examples', name, 'dashboard.json'), join(configDir, 'dashboards', `${name}.json`))
const configFile = join(configDir, 'config.json')
writeFileSync(
  configFile,
  JSON.stringify({
    dashboardsDir: join(configDir, 'dashboards'),
    alerts: { ruleFiles: examples.map((name) => resolve(ROOT, 'examples', name, 'alert-rules.yaml')) },
    ...(linux ? { collectors: { host: { interval: '15s' } } } : {}),
  }),
)
const config = process.env.BLAZEDB_CONFIG === undefined ? ['--config', configFile] : []
const server = spawn(process.execPath, [resolve(ROOT, 'bin/blazedb.js'), 'serve', '--data-dir', dataDir, ...config], {
  env: { ...process.env, BLAZEDB_PASSWORD: process.env.BLAZEDB_PASSWORD ?? 'demo' },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
})
const serverExited = new Promise<void>((done) => server.once('exit', () => done()))

let stopping = false
let started = false
const stopped = new Promise<void>((done) => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => done())
})
// Stopped while starting: the server is the only child that may be running.
void stopped.then(() => {
  if (started) return
  server.kill('SIGTERM')
  void serverExited.then(() => process.exit(130))
})

const addresses: Record<string, string> = {}
await new Promise<void>((done, reject) => {
  createInterface({ input: server.stdout! }).on('line', (line) => {
    console.log(line)
    const m = /^blazedb: (http|otlp-http|otlp-grpc) listening on (\S+)$/.exec(line)
    if (m !== null) addresses[m[1]] = m[2]
    if (addresses.http && addresses['otlp-http'] && addresses['otlp-grpc']) done()
  })
  server.once('exit', (code) => reject(new Error(`blazedb serve exited with ${code} before listening`)))
})
const shop = await startShop(addresses['otlp-grpc'], addresses['otlp-http'])
started = true
const api = `http://${addresses.http}`
console.log(`
The shop is running (frontend ${shop.frontend}) and sending to BlazeDB (data in ${dataDir}).

  Web UI:  ${api}/   (Services, Traces, Logs, Metrics; Explore for queries)
  Shop dashboard:  ${api}/dashboards/shop${linux ? `\n  This machine:    ${api}/dashboards/host-metrics` : ''}
  Alerts:  ${api}/api/v1/alerts   (rules: examples/shop/alert-rules.yaml; ServerErrors and SlowCart fire within two minutes)

Try (more in examples/shop/README.md):

  npm run blazedb -- query --server ${api} 'spans last 15m | stats count(), avg(duration) by service.name'
  npm run blazedb -- query --server ${api} 'spans last 15m | where status = "error" | select time, service.name, name, status_message'
  npm run blazedb -- query --server ${api} 'logs last 15m | where severity >= 17 | select time, service.name, body, trace_id'
  npm run blazedb -- query --server ${api} 'metrics last 15m | where metric.name = "shop.orders" | stats increase(value) by attr.outcome'

Ctrl-C stops everything.`)

const traffic = (async () => {
  for (let next = 0; !stopping; next += 5) {
    await placeOrders(shop.frontend, next, 5, 2).catch((error: Error) => console.error(`demo: an order failed to reach the shop: ${error.message}`))
    await new Promise((r) => setTimeout(r, 1000))
  }
})()

await stopped
console.log('demo: stopping the traffic, the shop, then BlazeDB')
stopping = true
await traffic
await shop.stop()
server.kill('SIGTERM')
await serverExited
console.log('demo: stopped')
