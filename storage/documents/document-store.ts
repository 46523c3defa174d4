/**
 * @module storage/documents/document-store
 * Small JSON documents kept for the components above storage: dashboards, alert rules and
 * alert state, tokens made at run time. Not telemetry: a handful to thousands per tenant, read
 * whole, replaced whole. Each write is atomic and durable; the on-disk store encrypts every
 * document with the data key (FORMAT.md, "Documents").
 */
import { StorageError } from '../errors.ts'

export interface DocumentStore {
  /** The document, or undefined when there is none. Throws StorageError TAMPERED or CORRUPT on a damaged file. */
  get<T = unknown>(tenant: string, collection: string, id: string): Promise<T | undefined>
  /** Stores `value` (anything JSON.stringify takes); resolves once it would survive a crash. */
  put(tenant: string, collection: string, id: string, value: unknown): Promise<void>
  /** True when a document was there and is now deleted (durably). */
  delete(tenant: string, collection: string, id: string): Promise<boolean>
  /** Every document of a collection, sorted by id. */
  list<T = unknown>(tenant: string, collection: string): Promise<{ id: string; value: T }[]>
  /** The tenants with at least one document in `collection`, sorted: what to load at start. */
  tenants(collection: string): Promise<string[]>
}

/** Collection names are fixed by the code that uses them: short, lowercase, safe as a file name. */
const COLLECTION_NAME = /^[a-z][a-z0-9-]{0,63}$/
/** Longest document id, in characters: ids are names people give (a dashboard's), not data. */
export const MAX_DOCUMENT_ID_LENGTH = 256

/** Throws INVALID_ARGUMENT for a collection name or id the store does not take. */
export function checkDocumentName(tenant: string, collection: string, id?: string): void {
  if (tenant.length === 0) throw new StorageError('INVALID_ARGUMENT', 'cannot address a document: the tenant is empty')
  if (!COLLECTION_NAME.test(collection)) {
    throw new StorageError('INVALID_ARGUMENT', `cannot address a document: collection ${JSON.stringify(collection)} must match ${COLLECTION_NAME.source}`)
  }
  if (id !== undefined && (id.length === 0 || id.length > MAX_DOCUMENT_ID_LENGTH)) {
    throw new StorageError('INVALID_ARGUMENT', `cannot address a document: its id must have 1 to ${MAX_DOCUMENT_ID_LENGTH} characters, not ${id.length}`)
  }
}

/** The JSON text of a value, refusing what JSON cannot hold (undefined, functions). */
export function documentJson(value: unknown): string {
  const text = JSON.stringify(value)
  if (text === undefined) throw new StorageError('INVALID_ARGUMENT', `cannot store a document: a ${typeof value} has no JSON form`)
  return text
}

/** Documents in memory, for MemoryStore and tests. Values are copied in and out, as on disk. */
export class MemoryDocuments implements DocumentStore {
  private readonly docs = new Map<string, Map<string, string>>()

  private collection(tenant: string, collection: string): Map<string, string> {
    const key = `${tenant}\u0000${collection}`
    let docs = this.docs.get(key)
    if (docs === undefined) this.docs.set(key, (docs = new Map()))
    return docs
  }

  async get<T = unknown>(tenant: string, collection: string, id: string): Promise<T | undefined> {
    checkDocumentName(tenant, collection, id)
    const text = this.collection(tenant, collection).get(id)
    return text === undefined ? undefined : (JSON.parse(text) as T)
  }

  async put(tenant: string, collection: string, id: string, value: unknown): Promise<void> {
    checkDocumentName(tenant, collection, id)
    this.collection(tenant, collection).set(id, documentJson(value))
  }

  async delete(tenant: string, collection: string, id: string): Promise<boolean> {
    checkDocumentName(tenant, collection, id)
    return this.collection(tenant, collection).delete(id)
  }

  async tenants(collection: string): Promise<string[]> {
    checkDocumentName('-', collection)
    const found: string[] = []
    for (const [key, docs] of this.docs) {
      const [tenant, name] = key.split('\u0000')
      if (name === collection && docs.size > 0) found.push(tenant)
    }
    return found.sort()
  }

  async list<T = unknown>(tenant: string, collection: string): Promise<{ id: string; value: T }[]> {
    checkDocumentName(tenant, collection)
    return [...this.collection(tenant, collection)]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, text]) => ({ id, value: JSON.parse(text) as T }))
  }
}
