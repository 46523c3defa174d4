/**
 * @module alerts/silences
 * Silences: matchers and an end time; an alert matching every matcher of an active silence is
 * not notified by the built-in receivers. Kept in the document store, per tenant.
 */
import { randomUUID } from 'node:crypto'
import type { AlertDocuments } from './documents.ts'
import { SILENCES_COLLECTION } from './documents.ts'
import { AlertError } from './errors.ts'
import { matches, parseMatcher, type Matcher } from './matchers.ts'

export interface Silence {
  id: string
  matchers: string[]
  startsAt: string
  endsAt: string
  createdBy: string
  comment: string
}

interface Active {
  silence: Silence
  matchers: Matcher[]
  starts: number
  ends: number
}

export class Silences {
  private readonly docs: AlertDocuments
  private readonly byTenant = new Map<string, Active[]>()

  constructor(docs: AlertDocuments) {
    this.docs = docs
  }

  /** Reads a tenant's silences once; later calls use the cache. */
  async load(tenant: string): Promise<void> {
    if (this.byTenant.has(tenant)) return
    const stored = await this.docs.list<Silence>(tenant, SILENCES_COLLECTION)
    this.byTenant.set(tenant, stored.map((s) => compile(s.value)))
  }

  /** True when an active silence of `tenant` matches `labels` at `now` (ms); the tenant must be loaded. */
  silenced(tenant: string, labels: Readonly<Record<string, string>>, now: number): boolean {
    return (this.byTenant.get(tenant) ?? []).some((a) => a.starts <= now && now < a.ends && matches(a.matchers, labels))
  }

  async list(tenant: string): Promise<Silence[]> {
    await this.load(tenant)
    return this.byTenant.get(tenant)!.map((a) => a.silence)
  }

  /** Checks and stores a silence from an API body; throws AlertError INVALID_SILENCE. */
  async create(tenant: string, body: unknown, now: number): Promise<Silence> {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    if (!Array.isArray(b.matchers) || b.matchers.length === 0) throw new AlertError('INVALID_SILENCE', 'cannot create silence: matchers must be a non-empty list like ["alertname=\\"HighLatency\\""]')
    for (const m of b.matchers) {
      const parsed = parseMatcher(m)
      if (typeof parsed === 'string') throw new AlertError('INVALID_SILENCE', `cannot create silence: ${parsed}`)
    }
    const startsAt = b.startsAt === undefined ? now : Date.parse(String(b.startsAt))
    const endsAt = Date.parse(String(b.endsAt))
    if (Number.isNaN(startsAt)) throw new AlertError('INVALID_SILENCE', `cannot create silence: startsAt must be an RFC 3339 time, got ${JSON.stringify(b.startsAt)}`)
    if (Number.isNaN(endsAt) || endsAt <= startsAt) throw new AlertError('INVALID_SILENCE', `cannot create silence: endsAt must be an RFC 3339 time after startsAt, got ${JSON.stringify(b.endsAt)}`)
    const silence: Silence = {
      id: randomUUID(),
      matchers: b.matchers as string[],
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      createdBy: typeof b.createdBy === 'string' ? b.createdBy : '',
      comment: typeof b.comment === 'string' ? b.comment : '',
    }
    await this.load(tenant)
    await this.docs.put(tenant, SILENCES_COLLECTION, silence.id, silence)
    this.byTenant.get(tenant)!.push(compile(silence))
    return silence
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    await this.load(tenant)
    const deleted = await this.docs.delete(tenant, SILENCES_COLLECTION, id)
    this.byTenant.set(tenant, this.byTenant.get(tenant)!.filter((a) => a.silence.id !== id))
    return deleted
  }
}

function compile(silence: Silence): Active {
  const matchers = silence.matchers.map(parseMatcher).filter((m): m is Matcher => typeof m !== 'string')
  return { silence, matchers, starts: Date.parse(silence.startsAt), ends: Date.parse(silence.endsAt) }
}
