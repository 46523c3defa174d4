/**
 * @module bench/ui-dashboard-load
 * The default "BlazeDB overview" dashboard over the reference workload, in chromium: from
 * navigation to the last panel drawn (every panel's query answered and drawn), cold (a fresh
 * browser profile: no cached bundle) and warm (reloads in the same profile). The floor
 * is under 1.5 s cold.
 *
 *   node --max-old-space-size=8192 bench/ui-dashboard-load.ts [--small] [--runs 5]
 *
 * The workload is sent to the real server over OTLP/HTTP (protobuf), as the gateway receives
 * it; the page's time range is the workload's window. Needs /usr/bin/chromium.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { OVERVIEW_ID } from '../dashboards/model/overview-dashboard.ts'
import { launchBrowser, type UiBrowser } from '../test/support/browser.ts'
import { startUiServer, waitForRows } from '../test/support/ui-server.ts'
import { median } from './support/measure.ts'
import { DEFAULT_SIZE, SMALL_SIZE, ensureWorkload, otlpBodies, type WorkloadSize } from './support/workload.ts'

export interface DashboardLoadFigures {
  size: WorkloadSize
  panels: number
  panelErrors: number
  coldMs: number[]
  warmMs: number[]
  coldMedianMs: number
  warmMedianMs: number
}

/** Milliseconds from navigation to every panel drawn, and how many panels and errors. */
async function load(browser: UiBrowser, url: string, origin: string, reload: boolean, page?: Awaited<ReturnType<UiBrowser['newPage']>>['page']): Promise<{ ms: number; panels: number; errors: number; page: NonNullable<typeof page> }> {
  const p = page ?? (await browser.newPage(origin)).page
  const started = Date.now()
  if (reload) await p.reload()
  else await p.goto(url)
  // Functions run in the page (strings are refused by its CSP); the bench is typed without the DOM.
  await p.waitForFunction(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document
    return doc.querySelectorAll('.dash-grid .panel').length > 0 && doc.querySelectorAll('.dash-grid .panel.loading').length === 0
  }, undefined, { timeout: 60_000, polling: 'raf' })
  const ms = Date.now() - started
  const [panels, errors] = await p.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document
    return [doc.querySelectorAll('.dash-grid .panel').length, doc.querySelectorAll('.dash-grid .panel-error').length]
  })
  return { ms, panels, errors, page: p }
}

export async function run(options: { size?: WorkloadSize; runs?: number } = {}): Promise<DashboardLoadFigures> {
  const size = options.size ?? DEFAULT_SIZE
  const runs = options.runs ?? 5
  const dir = ensureWorkload(size)
  const window = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { window: { start_unix_nano: string; end_unix_nano: string } }).window
  // The workload's window (2026-11-01) may be older than the default retention: keep it all.
  const server = await startUiServer({ retention: { spans: '3650d', logs: '3650d', metrics: '3650d' } })
  try {
    for (const signal of ['traces', 'logs', 'metrics'] as const) {
      for (const body of otlpBodies(dir, signal)) {
        const res = await fetch(`http://${server.otlpHttp}/v1/${signal}`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } })
        if (!res.ok) throw new Error(`cannot load the workload: /v1/${signal} answered ${res.status} ${await res.text()}`)
        await res.arrayBuffer()
      }
    }
    // Acknowledged exports are queryable; check that all of them are there before timing.
    for (const [signal, want] of [['spans', size.spans], ['logs', size.logs]] as const) {
      const [[n]] = await waitForRows(server.origin, `${signal} | stats count() as n`, 1)
      if (n !== want) throw new Error(`cannot use the workload: ${n} ${signal} stored, ${want} sent`)
    }
    const from = new Date(Number(BigInt(window.start_unix_nano) / 1_000_000n)).toISOString()
    const to = new Date(Number(BigInt(window.end_unix_nano) / 1_000_000n) + 1000).toISOString()
    const url = `${server.origin}/dashboards/${OVERVIEW_ID}?from=${from}&to=${to}`
    const coldMs: number[] = []
    const warmMs: number[] = []
    let panels = 0
    let panelErrors = 0
    for (let i = 0; i < runs; i++) {
      // Cold: a fresh profile, nothing cached; then warm reloads in it.
      const browser = await launchBrowser()
      try {
        const cold = await load(browser, url, server.origin, false)
        coldMs.push(cold.ms)
        panels = cold.panels
        panelErrors = Math.max(panelErrors, cold.errors)
        for (let w = 0; w < 3; w++) warmMs.push((await load(browser, url, server.origin, true, cold.page)).ms)
      } finally {
        await browser.close()
      }
    }
    return { size, panels, panelErrors, coldMs, warmMs, coldMedianMs: median(coldMs), warmMedianMs: median(warmMs) }
  } finally {
    await server.stop()
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { small: { type: 'boolean' }, runs: { type: 'string' } } })
  const figures = await run({ size: values.small ? SMALL_SIZE : DEFAULT_SIZE, runs: values.runs ? Number(values.runs) : undefined })
  console.log(JSON.stringify(figures, null, 2))
  console.log(`overview dashboard, navigation -> last panel drawn: cold median ${figures.coldMedianMs} ms, warm median ${figures.warmMedianMs} ms, ${figures.panels} panels, ${figures.panelErrors} with errors (floor: cold < 1500 ms: ${figures.coldMedianMs < 1500 ? 'met' : 'MISSED'})`)
}
