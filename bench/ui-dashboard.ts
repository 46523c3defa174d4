/**
 * @module bench/ui-dashboard
 * The built-in "BlazeDB overview" dashboard over the reference workload, in chromium: from
 * navigation to the last panel drawn (every panel's query answered and drawn), cold (a new
 * browser context: nothing cached) and warm (a reload in the same context). The server is the
 * real one (startServer, on-disk engine in a temporary directory), loaded with the workload's
 * OTLP protobuf bodies over OTLP/HTTP. The range is the workload's hour.
 * Floor of the web UI: under 1.5 s cold.
 *
 *   node bench/ui-dashboard.ts [--workload DIR] [--small] [--runs N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { DEFAULT_CONFIG } from '../cli/config.ts'
import { startServer } from '../cli/serve.ts'
import { findProgram } from '../test/support/system-tool.ts'
import { median, percentile } from './support/measure.ts'
import { DEFAULT_SIZE, SMALL_SIZE, ensureWorkload, otlpBodies, readManifest } from './support/workload.ts'

const COLD_FLOOR_MS = 1500

export interface UiDashboardFigures {
  panels: number
  /** Panels and variables whose query failed (0 for a meaningful figure). */
  panelErrors: number
  /** What the Spans panel shows: the workload's span count when every row was read. */
  spansShown: string
  coldMedianMs: number
  coldP95Ms: number
  warmMedianMs: number
  warmP95Ms: number
  coldWithinFloor: boolean
  loadSeconds: number
}

/**
 * Every panel present and none waiting for its query (dashboard-view.ts marks them .loading).
 * A function, not a string: the page's CSP forbids evaluating strings.
 */
const DRAWN = (): number => {
  const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number }; querySelector(s: string): unknown } }).document
  const panels = doc.querySelectorAll('.dash-grid .panel').length
  return panels > 0 && doc.querySelector('.dash-grid .panel.loading') === null ? panels : 0
}

export async function run(options: { workloadDir: string; runs?: number; log?: (line: string) => void }): Promise<UiDashboardFigures | string> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'))
  const runs = options.runs ?? 5
  const executablePath = findProgram(['/usr/bin/chromium', 'chromium'])
  if (executablePath === undefined) return 'Skipped: chromium is not installed (apt-get install -y chromium).'
  const dataDir = mkdtempSync(join(tmpdir(), 'blazedb-bench-ui-'))
  // The workload's hour is in the past: keep it past the default retention.
  const retention = { spans: '0', logs: '0', metrics: '0' }
  const server = await startServer({ ...DEFAULT_CONFIG, retention, dataDir, password: 'bench', httpAddr: '127.0.0.1:0', otlpHttpAddr: '127.0.0.1:0', otlpGrpcAddr: '127.0.0.1:0' }, { log: () => {} })
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
  try {
    const t0 = performance.now()
    for (const [signal, path] of [['traces', 'traces'], ['logs', 'logs'], ['metrics', 'metrics']] as const) {
      for (const body of otlpBodies(options.workloadDir, signal)) {
        const res = await fetch(`http://${server.addresses.otlpHttp}/v1/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } })
        await res.arrayBuffer()
        if (res.status !== 200) throw new Error(`cannot load the workload: /v1/${path} answered ${res.status}`)
      }
    }
    const loadSeconds = (performance.now() - t0) / 1000
    log(`ui-dashboard: workload loaded in ${loadSeconds.toFixed(1)} s`)
    const manifest = readManifest(options.workloadDir) as unknown as { window: { start_unix_nano: string; end_unix_nano: string } }
    const iso = (ns: string): string => new Date(Number(BigInt(ns) / 1_000_000n)).toISOString()
    const url = `http://${server.addresses.http}/dashboards/blazedb-overview?from=${iso(manifest.window.start_unix_nano)}&to=${iso(manifest.window.end_unix_nano)}`
    const cold: number[] = []
    const warm: number[] = []
    let panels = 0
    let panelErrors = 0
    let spansShown = ''
    for (let i = 0; i < runs + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      const page = await context.newPage()
      let t = performance.now()
      await page.goto(url)
      panels = (await (await page.waitForFunction(DRAWN, undefined, { timeout: 120_000, polling: 'raf' })).jsonValue()) as number
      const coldMs = performance.now() - t
      if (i === 0) {
        // A panel that failed drew quickly: say so rather than report a fast dashboard.
        const failures = await page.locator('.panel-error, .var .error-text').allTextContents()
        if (failures.length > 0) log(`ui-dashboard: ${failures.length} panels or variables failed: ${failures.join(' | ')}`)
        panelErrors = failures.length
        spansShown = (await page.locator('[data-panel="spans"] .stat').allTextContents())[0] ?? 'none'
        log(`ui-dashboard: the Spans panel shows ${spansShown}; $service has ${await page.locator('select[data-variable=service] option').count()} values`)
      }
      t = performance.now()
      await page.reload()
      await page.waitForFunction(DRAWN, undefined, { timeout: 120_000, polling: 'raf' })
      const warmMs = performance.now() - t
      await context.close()
      // The first round warms the server's caches and the JIT; it is not counted.
      if (i > 0) {
        cold.push(coldMs)
        warm.push(warmMs)
      }
      log(`ui-dashboard: round ${i}: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms, ${panels} panels`)
    }
    const coldMedianMs = median(cold)
    return { panels, panelErrors, spansShown, coldMedianMs, coldP95Ms: percentile(cold, 95), warmMedianMs: median(warm), warmP95Ms: percentile(warm, 95), coldWithinFloor: coldMedianMs < COLD_FLOOR_MS, loadSeconds }
  } finally {
    await browser.close()
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, small: { type: 'boolean' }, runs: { type: 'string' } } })
  const dir = values.workload ?? ensureWorkload(values.small ? SMALL_SIZE : DEFAULT_SIZE)
  console.log(await run({ workloadDir: dir, runs: values.runs === undefined ? 5 : Number(values.runs) }))
}
