/**
 * @module bench/ui-live-tail
 * Live tail latency: from an OTLP/HTTP log export accepted by the server (the response to the
 * export request) to the matching row painted in the Logs page's live tail in chromium, while
 * other, non-matching records stream in the background. Reports p50/p99 over the probes; the
 * issue's floor is p99 under 250 ms.
 *
 *   node bench/ui-live-tail.ts [--probes 200] [--background 5000]   (background: records/s)
 *
 * Each probe is one record sent alone by a raw protobuf POST (so "accepted" is exactly the
 * response), one at a time; the page records when the row was added (MutationObserver) and
 * the next animation frame after it (the row on screen). Needs /usr/bin/chromium.
 */
import { parseArgs } from 'node:util'
import { launchBrowser } from '../test/support/browser.ts'
import { startUiServer } from '../test/support/ui-server.ts'
import { encodeOtlpJsonAsProtobuf } from '../test/support/otlp-protobufjs.ts'

export interface LiveTailFigures {
  probes: number
  backgroundRecordsPerSecond: number
  /** Export accepted to the row added to the page, ms. */
  toDom: { p50: number; p99: number; max: number }
  /** Export accepted to the first frame painted with the row, ms. */
  toScreen: { p50: number; p99: number; max: number }
}

/** An OTLP logs export request of one service's records, as protobuf. */
function encodeLogsRequest(service: string, records: { body: string; timeMs: number }[]): Uint8Array {
  return encodeOtlpJsonAsProtobuf('logs', {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ scope: { name: 'bench' }, logRecords: records.map((r) => ({ timeUnixNano: String(BigInt(r.timeMs) * 1_000_000n), severityNumber: 9, severityText: 'INFO', body: { stringValue: r.body } })) }],
      },
    ],
  })
}

const pct = (xs: number[], p: number): number => xs.slice().sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)]
const summary = (xs: number[]): { p50: number; p99: number; max: number } => ({ p50: pct(xs, 50), p99: pct(xs, 99), max: Math.max(...xs) })

export async function run(options: { probes?: number; background?: number } = {}): Promise<LiveTailFigures> {
  const probes = options.probes ?? 200
  const background = options.background ?? 5000
  const server = await startUiServer()
  const browser = await launchBrowser()
  let stopBackground = false
  try {
    const { page } = await browser.newPage(server.origin)
    await page.goto(`${server.origin}/logs?live=1&text=bench-probe`)
    await page.locator('.lg-list[data-live="ready"]').waitFor()
    await page.evaluate(`window.__added = {}; window.__painted = {};
      new MutationObserver((records) => {
        const now = Date.now()
        const fresh = []
        for (const r of records) for (const n of r.addedNodes) { const b = n.querySelector && n.querySelector('.lg-body'); if (b) fresh.push(b.textContent) }
        for (const t of fresh) window.__added[t] = now
        requestAnimationFrame(() => { const painted = Date.now(); for (const t of fresh) window.__painted[t] = painted })
      }).observe(document.querySelector('.lg-list'), { childList: true })`)
    const post = (body: Uint8Array): Promise<Response> => fetch(`http://${server.otlpHttp}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf' } })
    // Background: batches of non-matching records, 20 a second.
    const perBatch = Math.max(1, Math.round(background / 20))
    const filler = encodeLogsRequest('bench-background', Array.from({ length: perBatch }, (_, i) => ({ body: `background record ${i}`, timeMs: Date.now() })))
    const backgroundLoop = (async () => {
      while (!stopBackground && background > 0) {
        const started = Date.now()
        await (await post(filler)).arrayBuffer()
        await new Promise((r) => setTimeout(r, Math.max(0, 50 - (Date.now() - started))))
      }
    })()
    const toDom: number[] = []
    const toScreen: number[] = []
    for (let i = 0; i < probes; i++) {
      const text = `bench-probe ${i}`
      const res = await post(encodeLogsRequest('bench', [{ body: text, timeMs: Date.now() }]))
      await res.arrayBuffer()
      const accepted = Date.now()
      if (!res.ok) throw new Error(`cannot send probe ${i}: the server answered ${res.status}`)
      // A function, not a string: the page's CSP forbids evaluating strings.
      await page.waitForFunction((t) => (globalThis as unknown as { __painted: Record<string, number> }).__painted[t] !== undefined, text, { timeout: 10_000, polling: 'raf' })
      const [added, painted] = await page.evaluate<[number, number]>(`[window.__added[${JSON.stringify(text)}], window.__painted[${JSON.stringify(text)}]]`)
      toDom.push(added - accepted)
      toScreen.push(painted - accepted)
    }
    stopBackground = true
    await backgroundLoop
    return { probes, backgroundRecordsPerSecond: background, toDom: summary(toDom), toScreen: summary(toScreen) }
  } finally {
    stopBackground = true
    await browser.close()
    await server.stop()
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { probes: { type: 'string' }, background: { type: 'string' } } })
  const figures = await run({ probes: values.probes ? Number(values.probes) : undefined, background: values.background ? Number(values.background) : undefined })
  console.log(JSON.stringify(figures, null, 2))
  console.log(`live tail, export accepted -> row on screen: p50 ${figures.toScreen.p50} ms, p99 ${figures.toScreen.p99} ms (floor: p99 < 250 ms: ${figures.toScreen.p99 < 250 ? 'met' : 'MISSED'})`)
}
