/**
 * Saved dashboards through the HTTP API in-process, over the memory document store: create,
 * read, update, duplicate, delete; validation errors name the path; built-in and provisioned
 * dashboards are read-only; tokens gate reading and writing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { Access } from '../../access/index.ts'
import { MemoryDocuments } from '../../storage/index.ts'
import { OVERVIEW_ID } from '../model/overview-dashboard.ts'
import { createDashboardsUi } from './ui-app.ts'
import { bundleWeb } from './bundle.ts'

const bundle = bundleWeb()
const json = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
const panel = { id: 'p1', title: 'Spans', type: 'stat', query: 'spans | stats count()', grid: { x: 0, y: 0, w: 3, h: 2 } }

describe('dashboards API', () => {
  test('create, read, update, duplicate, delete', async () => {
    const app = createDashboardsUi({ documents: new MemoryDocuments(), bundle })
    const created = await app.request('/api/v1/dashboards', json({ id: 'ignored', title: 'Checkout', panels: [panel], variables: [] }))
    expect(created.status).toBe(201)
    const { dashboard } = (await created.json()) as { dashboard: { id: string } }
    expect(dashboard.id).toMatch(/^[0-9a-f-]{36}$/)
    const got = (await (await app.request(`/api/v1/dashboards/${dashboard.id}`)).json()) as Record<string, unknown>
    expect(got).toMatchObject({ source: 'stored', readOnly: false, dashboard: { title: 'Checkout', panels: [panel] } })

    const put = await app.request(`/api/v1/dashboards/${dashboard.id}`, { ...json({ title: 'Checkout v2', panels: [], variables: [] }), method: 'PUT' })
    expect(put.status).toBe(200)
    const dup = await app.request(`/api/v1/dashboards/${dashboard.id}/duplicate`, { method: 'POST' })
    expect(dup.status).toBe(201)
    const list = (await (await app.request('/api/v1/dashboards')).json()) as { dashboards: { title: string; source: string }[] }
    expect(list.dashboards.map((d) => [d.title, d.source])).toEqual([
      ['BlazeDB overview', 'builtin'],
      ['Checkout v2', 'stored'],
      ['Checkout v2 (copy)', 'stored'],
    ])
    expect((await app.request(`/api/v1/dashboards/${dashboard.id}`, { method: 'DELETE' })).status).toBe(204)
    const gone = await app.request(`/api/v1/dashboards/${dashboard.id}`)
    expect(gone.status).toBe(404)
    expect(await gone.json()).toEqual({ error: { code: 'NOT_FOUND', message: `cannot find dashboard "${dashboard.id}"` } })
  })

  test('mistakes answer 400 naming the place', async () => {
    const app = createDashboardsUi({ documents: new MemoryDocuments(), bundle })
    const f = async (body: unknown, message: string): Promise<void> => {
      const res = await app.request('/api/v1/dashboards', typeof body === 'string' ? { method: 'POST', body } : json(body))
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message)
    }
    await f('{not json', 'cannot read dashboard: the body is not JSON')
    await f({ title: '', panels: [] }, 'title: must not be empty')
    await f({ title: 'x', panels: [{ ...panel, type: 'pie' }] }, 'panels[0].type: must be one of timeseries, bar, stat, gauge, table, logs, traces')
    await f({ title: 'x', panels: [{ ...panel, grid: { x: 10, y: 0, w: 4, h: 2 } }] }, 'panels[0].grid.x: must be an integer from 0 to 8')
    await f({ title: 'x', panels: [{ ...panel, repeat: 'service' }] }, 'panels[0].repeat: names no variable')
    await f({ title: 'x', panels: [{ ...panel, thresholds: [{ value: 1, color: 'red;x' }] }] }, 'panels[0].thresholds[0].color: must be a colour')
    await f({ title: 'x', panels: [panel, panel] }, 'panels[1].id: "p1" is used twice')
    await f({ title: 'x', panels: [], variables: [{ name: 'a b', query: 'spans' }] }, 'variables[0].name: must be a name')
  })

  test('the built-in overview and provisioned dashboards are read-only; a copy is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-provision-'))
    try {
      writeFileSync(join(dir, 'team.json'), JSON.stringify({ title: 'Team', panels: [panel] }))
      const app = createDashboardsUi({ documents: new MemoryDocuments(), dashboardsDir: dir, bundle })
      const team = (await (await app.request('/api/v1/dashboards/team')).json()) as Record<string, unknown>
      expect(team).toMatchObject({ source: 'provisioned', readOnly: true, dashboard: { id: 'team', title: 'Team' } })
      for (const id of ['team', OVERVIEW_ID]) {
        const put = await app.request(`/api/v1/dashboards/${id}`, { ...json({ title: 'x', panels: [] }), method: 'PUT' })
        expect(put.status).toBe(409)
        expect(((await put.json()) as { error: { code: string } }).error.code).toBe('READ_ONLY')
        expect((await app.request(`/api/v1/dashboards/${id}`, { method: 'DELETE' })).status).toBe(409)
      }
      const copy = (await (await app.request(`/api/v1/dashboards/${OVERVIEW_ID}/duplicate`, { method: 'POST' })).json()) as { dashboard: { id: string; title: string }; readOnly: boolean }
      expect(copy.readOnly).toBe(false)
      expect(copy.dashboard.title).toBe('BlazeDB overview (copy)')

      writeFileSync(join(dir, 'broken.json'), '{"title": "x", "panels": [{}]}')
      expect(() => createDashboardsUi({ dashboardsDir: dir, bundle })).toThrow(`cannot provision dashboard ${join(dir, 'broken.json')}: cannot accept dashboard: panels[0].type`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('with tokens, reading needs read and changing needs admin', async () => {
    const tokens = [
      { token: 'reader-token', tenant: 'acme', scopes: ['read' as const] },
      { token: 'admin-token', tenant: 'acme', scopes: ['admin' as const] },
    ]
    const app = createDashboardsUi({ documents: new MemoryDocuments(), access: new Access({ tokens }), bundle })
    const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
    expect((await app.request('/api/v1/dashboards')).status).toBe(401)
    expect((await app.request('/api/v1/dashboards', { headers: auth('reader-token') })).status).toBe(200)
    const body = JSON.stringify({ title: 'x', panels: [] })
    expect((await app.request('/api/v1/dashboards', { method: 'POST', body, headers: auth('reader-token') })).status).toBe(403)
    expect((await app.request('/api/v1/dashboards', { method: 'POST', body, headers: auth('admin-token') })).status).toBe(201)
  })

  test('embed origins must be origins', () => {
    expect(() => createDashboardsUi({ embedOrigins: ["https://a.example.com; script-src 'unsafe-inline'"], bundle })).toThrow('cannot use embedOrigins entry')
  })
})
