/**
 * The UI routes in-process: every page URL answers the shell with the security headers, the
 * bundle is served under its hashed name, embed pages may be framed only by the configured
 * origins, and the shipped JavaScript and CSS stay under the gzip budget.
 */
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, test } from 'vitest'
import { MAX_SHIPPED_GZIP_BYTES } from '../limits.ts'
import { bundleWeb, type Bundle } from './bundle.ts'
import { createDashboardsUi, PAGE_ROUTES } from './ui-app.ts'

let bundle: Bundle
beforeAll(async () => {
  bundle = await bundleWeb()
})

function assets(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/ui\/app-[^"]+)"/g)].map((m) => m[1])
}

describe('pages', () => {
  test.each(['/', ...PAGE_ROUTES.map((r) => `/${r}`), '/traces/5913df3e0fffc6345e1725c4d1c997d7', '/dashboards/overview?from=now-6h'])('%s answers the shell with a strict CSP', async (path) => {
    const app = createDashboardsUi({ bundle: Promise.resolve(bundle) })
    const res = await app.request(path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    const html = await res.text()
    // No inline script: the only script is the bundle, by its URL.
    expect([...html.matchAll(/<script[^>]*>/g)].map((m) => m[0])).toEqual([`<script type="module" src="${bundle.js.path}">`])
    expect(assets(html).sort()).toEqual([bundle.css.path, bundle.js.path].sort())
    expect(html).not.toMatch(/https?:\/\//)
  })

  test('embed pages may be framed by the configured origins only', async () => {
    const app = createDashboardsUi({ bundle: Promise.resolve(bundle), embedOrigins: ['https://wiki.example.com'] })
    const embed = await app.request('/embed/dashboards/overview')
    expect(embed.status).toBe(200)
    expect(embed.headers.get('content-security-policy')).toContain('frame-ancestors https://wiki.example.com')
    expect(embed.headers.get('x-frame-options')).toBeNull()
    const page = await app.request('/explore')
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    const none = await createDashboardsUi({ bundle: Promise.resolve(bundle) }).request('/embed/dashboards/x')
    expect(none.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  })

  test('unknown paths are not the shell', async () => {
    const app = createDashboardsUi({ bundle: Promise.resolve(bundle) })
    expect((await app.request('/nothing-here')).status).toBe(404)
    expect((await app.request('/ui/app-000000000000.js')).status).toBe(404)
  })
})

describe('bundle', () => {
  test('assets are served by their hashed names, cacheable for good', async () => {
    const app = createDashboardsUi({ bundle: Promise.resolve(bundle) })
    for (const asset of [bundle.js, bundle.css]) {
      expect(asset.path).toMatch(/^\/ui\/app-[0-9a-f]{12}\.(js|css)$/)
      const res = await app.request(asset.path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(asset.contentType)
      expect(res.headers.get('cache-control')).toContain('immutable')
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(asset.body)
    }
  })

  test(`shipped JavaScript and CSS are under ${MAX_SHIPPED_GZIP_BYTES / 1024} KiB gzip`, async () => {
    const app = createDashboardsUi({ bundle: Promise.resolve(bundle) })
    const html = await (await app.request('/')).text()
    let total = 0
    for (const path of assets(html)) total += gzipSync(Buffer.from(await (await app.request(path)).arrayBuffer()), { level: 9 }).length
    console.log(`web UI: ${bundle.js.body.length} B JavaScript, ${bundle.css.body.length} B CSS, ${total} B gzip together`)
    // The whole UI, uPlot included, is in these two files; a missing one would make total tiny.
    expect(total).toBeGreaterThan(20_000)
    expect(total).toBeLessThan(MAX_SHIPPED_GZIP_BYTES)
  })

  test('the browser code never assigns HTML from strings', async () => {
    const js = new TextDecoder().decode(bundle.js.body)
    expect(js).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/)
    expect(js).not.toMatch(/\beval\(|new Function\(/)
  })
})
