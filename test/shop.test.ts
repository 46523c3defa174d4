/**
 * The example shop (examples/shop: three services instrumented with the OpenTelemetry Node SDK,
 * traces over OTLP/gRPC, metrics and logs over OTLP/HTTP) against the real server process:
 * 40 orders make exactly the traces, errors, slow spans, logs and metrics they should.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { placeOrders, startShop } from '../examples/shop/shop.ts'
import { queryRows } from './support/query-client.ts'
import { startServerProcess } from './support/server-process.ts'

const root = mkdtempSync(join(tmpdir(), 'blazedb-shop-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('examples/shop', () => {
  it('sends traces, metrics and logs that query back exactly', async () => {
    const server = await startServerProcess(join(root, 'data'))
    try {
      const shop = await startShop(server.otlpGrpc, server.otlpHttp)
      const result = await placeOrders(shop.frontend, 0, 40)
      // Orders n with n % 7 = 3 fail: 3, 10, 17, 24, 31, 38.
      expect(result).toEqual({ placed: 34, failed: 6 })
      await shop.stop() // every service exports what it buffered before it exits
      const q = (query: string): Promise<unknown[][]> => queryRows(server.http, query)
      // Per order: frontend server span, two client spans, cart and payment server spans.
      expect(await q('spans | stats count(), count_distinct(trace_id)')).toEqual([[200, 40]])
      expect(await q('spans | stats count_distinct(service.name) as services by trace_id | where services = 3 | stats count()')).toEqual([[40]])
      expect(await q('spans | stats count() by service.name | sort service.name')).toEqual([['cart', 40], ['frontend', 120], ['payment', 40]])
      // A failed order: the payment span, the frontend's call to it and the frontend's answer.
      expect(await q('spans | where status = "error" | stats count()')).toEqual([[18]])
      // Slow carts sleep 300 ms; a timer may fire up to a millisecond early against the span clock.
      expect(await q('spans | where service.name = "cart" and kind = "server" and duration >= 295ms | stats count()')).toEqual([[4]])
      expect(await q('logs | stats count() by severity_text | sort severity_text')).toEqual([['ERROR', 12], ['INFO', 68], ['WARN', 4]])
      expect(await q('logs | where exists(trace_id) | stats count()')).toEqual([[84]])
      expect(await q('metrics | where metric.name = "shop.orders" | stats max(value) by attr.outcome | sort attr.outcome')).toEqual([['failed', 6], ['placed', 34]])
      const durations = 'metrics | where metric.name = "http.server.request.duration" and service.name = "frontend" | stats max(count) as n by attr.http.response.status_code as status | sort status'
      expect(await q(durations)).toEqual([[200, 34], [502, 6]])
    } finally {
      await server.stop()
    }
  }, 120_000)
})
