/**
 * @module dashboards/server/dashboard-repo
 * Where dashboards live: the built-in overview and provisioned ones (read-only, every tenant),
 * and each tenant's own in the document store (collection `dashboards`, encrypted with the data
 * key, each write atomic and durable; storage/FORMAT.md, "Documents").
 */
import { randomUUID } from 'node:crypto'
import type { DocumentStore } from '../../storage/index.ts'
import { DashboardsError } from '../errors.ts'
import { MAX_DASHBOARDS } from '../limits.ts'
import { validateDashboard, type Dashboard } from '../model/dashboard-model.ts'
import { OVERVIEW_DASHBOARD } from '../model/overview-dashboard.ts'

export const DASHBOARDS_COLLECTION = 'dashboards'

export type DashboardSource = 'builtin' | 'provisioned' | 'stored'

export interface DashboardEntry {
  dashboard: Dashboard
  source: DashboardSource
  readOnly: boolean
  /** RFC 3339, stored dashboards only. */
  updatedAt?: string
}

export interface DashboardSummary {
  id: string
  title: string
  description?: string
  source: DashboardSource
  readOnly: boolean
  panels: number
  updatedAt?: string
}

interface StoredDashboard {
  dashboard: Dashboard
  updatedAt: string
}

function summary(e: DashboardEntry): DashboardSummary {
  const s: DashboardSummary = { id: e.dashboard.id, title: e.dashboard.title, source: e.source, readOnly: e.readOnly, panels: e.dashboard.panels.length }
  if (e.dashboard.description) s.description = e.dashboard.description
  if (e.updatedAt) s.updatedAt = e.updatedAt
  return s
}

export class DashboardRepo {
  private readonly documents: DocumentStore
  private readonly fixed: Map<string, DashboardEntry>

  /** `provisioned` dashboards are read-only; the built-in overview is added unless one has its id. */
  constructor(documents: DocumentStore, provisioned: readonly Dashboard[] = []) {
    this.documents = documents
    this.fixed = new Map()
    this.fixed.set(OVERVIEW_DASHBOARD.id, { dashboard: OVERVIEW_DASHBOARD, source: 'builtin', readOnly: true })
    for (const d of provisioned) this.fixed.set(d.id, { dashboard: d, source: 'provisioned', readOnly: true })
  }

  async list(tenant: string): Promise<DashboardSummary[]> {
    const stored = await this.documents.list<StoredDashboard>(tenant, DASHBOARDS_COLLECTION)
    const all = [...this.fixed.values(), ...stored.filter((s) => !this.fixed.has(s.id)).map((s) => this.entry(s.id, s.value))]
    return all.map(summary).sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id))
  }

  async get(tenant: string, id: string): Promise<DashboardEntry> {
    const fixed = this.fixed.get(id)
    if (fixed !== undefined) return fixed
    const stored = await this.documents.get<StoredDashboard>(tenant, DASHBOARDS_COLLECTION, id)
    if (stored === undefined) throw new DashboardsError('NOT_FOUND', `cannot find dashboard ${JSON.stringify(id)}`)
    return this.entry(id, stored)
  }

  /** Stores a new dashboard under a new id (an imported dashboard's id is not kept). */
  async create(tenant: string, value: unknown): Promise<DashboardEntry> {
    const dashboard = this.check(value)
    const existing = await this.documents.list(tenant, DASHBOARDS_COLLECTION)
    if (existing.length + this.fixed.size >= MAX_DASHBOARDS) {
      throw new DashboardsError('INVALID_ARGUMENT', `cannot create dashboard: this tenant has ${existing.length + this.fixed.size}, the limit is ${MAX_DASHBOARDS}`)
    }
    dashboard.id = randomUUID()
    return this.save(tenant, dashboard)
  }

  async update(tenant: string, id: string, value: unknown): Promise<DashboardEntry> {
    this.writable(id, 'update')
    const dashboard = this.check(value)
    if ((await this.documents.get(tenant, DASHBOARDS_COLLECTION, id)) === undefined) throw new DashboardsError('NOT_FOUND', `cannot update dashboard ${JSON.stringify(id)}: there is none`)
    dashboard.id = id
    return this.save(tenant, dashboard)
  }

  async delete(tenant: string, id: string): Promise<void> {
    this.writable(id, 'delete')
    if (!(await this.documents.delete(tenant, DASHBOARDS_COLLECTION, id))) throw new DashboardsError('NOT_FOUND', `cannot delete dashboard ${JSON.stringify(id)}: there is none`)
  }

  /** A stored copy titled "<title> (copy)"; works for read-only dashboards too. */
  async duplicate(tenant: string, id: string): Promise<DashboardEntry> {
    const { dashboard } = await this.get(tenant, id)
    return this.create(tenant, { ...dashboard, title: `${dashboard.title} (copy)`.slice(0, 200) })
  }

  private entry(id: string, stored: StoredDashboard): DashboardEntry {
    return { dashboard: { ...stored.dashboard, id }, source: 'stored', readOnly: false, updatedAt: stored.updatedAt }
  }

  private writable(id: string, verb: string): void {
    const fixed = this.fixed.get(id)
    if (fixed !== undefined) {
      throw new DashboardsError('READ_ONLY', `cannot ${verb} dashboard ${JSON.stringify(id)}: it is ${fixed.source === 'builtin' ? 'built in' : 'provisioned from a file'}; duplicate it to change a copy`)
    }
  }

  private check(value: unknown): Dashboard {
    try {
      return validateDashboard(value)
    } catch (error) {
      throw new DashboardsError('INVALID_ARGUMENT', (error as Error).message, { cause: error })
    }
  }

  private async save(tenant: string, dashboard: Dashboard): Promise<DashboardEntry> {
    const stored: StoredDashboard = { dashboard, updatedAt: new Date().toISOString() }
    await this.documents.put(tenant, DASHBOARDS_COLLECTION, dashboard.id, stored)
    return this.entry(dashboard.id, stored)
  }
}
