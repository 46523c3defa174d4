/**
 * @module storage/documents/file-documents
 * Documents on disk (FORMAT.md, "Documents"): one file each, sealed with the data key,
 * replaced atomically. File names are a hash of the id, so any id is a safe name; the id is
 * kept inside the sealed document and checked on read.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { open, seal } from '../crypto/seal.ts'
import { StorageError } from '../errors.ts'
import { removeFilesDurably, TMP_SUFFIX, writeFileDurably } from '../fs-durable.ts'
import { checkDocumentName, documentJson, type DocumentStore } from './document-store.ts'

export const DOCUMENTS_DIR = 'documents'
/** "BLZDOC" then the format version and a reserved byte. */
const MAGIC = Uint8Array.of(0x42, 0x4c, 0x5a, 0x44, 0x4f, 0x43)
const VERSION = 1
const HEADER_BYTES = MAGIC.length + 2
const EXTENSION = '.doc'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export class FileDocuments implements DocumentStore {
  private readonly root: string
  private readonly key: Uint8Array
  /** Writes to one file run one after another (they share its temporary file). */
  private readonly writing = new Map<string, Promise<unknown>>()

  /** `dataDir`: the engine's data directory; `key`: its data key. */
  constructor(dataDir: string, key: Uint8Array) {
    this.root = join(dataDir, DOCUMENTS_DIR)
    this.key = key
  }

  async get<T = unknown>(tenant: string, collection: string, id: string): Promise<T | undefined> {
    checkDocumentName(tenant, collection, id)
    const path = this.path(tenant, collection, id)
    if (!existsSync(path)) return undefined
    const doc = await this.read(tenant, collection, path)
    if (doc.id !== id) throw new StorageError('CORRUPT', `cannot read document ${JSON.stringify(id)}: the file holds ${JSON.stringify(doc.id)}`, { file: path })
    return doc.value as T
  }

  async put(tenant: string, collection: string, id: string, value: unknown): Promise<void> {
    checkDocumentName(tenant, collection, id)
    const plain = encoder.encode(JSON.stringify({ id, value: JSON.parse(documentJson(value)) as unknown }))
    const dir = this.dir(tenant, collection)
    const name = fileName(id)
    return this.serialise(join(dir, name), async () => {
      mkdirSync(dir, { recursive: true })
      const sealed = seal(this.key, plain, aad(tenant, collection, name))
      const header = new Uint8Array(HEADER_BYTES)
      header.set(MAGIC)
      header[MAGIC.length] = VERSION
      await writeFileDurably(join(dir, name), [header, sealed], 0o600)
    })
  }

  async delete(tenant: string, collection: string, id: string): Promise<boolean> {
    checkDocumentName(tenant, collection, id)
    const dir = this.dir(tenant, collection)
    const path = join(dir, fileName(id))
    return this.serialise(path, async () => {
      if (!existsSync(path)) return false
      await removeFilesDurably(dir, [path])
      return true
    })
  }

  async list<T = unknown>(tenant: string, collection: string): Promise<{ id: string; value: T }[]> {
    checkDocumentName(tenant, collection)
    const dir = this.dir(tenant, collection)
    if (!existsSync(dir)) return []
    const names = readdirSync(dir).filter((n) => n.endsWith(EXTENSION) && !n.endsWith(TMP_SUFFIX))
    const docs = await Promise.all(names.map((n) => this.read(tenant, collection, join(dir, n))))
    return docs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((d) => ({ id: d.id, value: d.value as T }))
  }

  async tenants(collection: string): Promise<string[]> {
    checkDocumentName('-', collection)
    if (!existsSync(this.root)) return []
    const found: string[] = []
    for (const hex of readdirSync(this.root)) {
      const dir = join(this.root, hex, collection)
      if (existsSync(dir) && readdirSync(dir).some((n) => n.endsWith(EXTENSION))) found.push(Buffer.from(hex, 'hex').toString())
    }
    return found.sort()
  }

  private dir(tenant: string, collection: string): string {
    return join(this.root, Buffer.from(tenant).toString('hex'), collection)
  }

  private path(tenant: string, collection: string, id: string): string {
    return join(this.dir(tenant, collection), fileName(id))
  }

  private async read(tenant: string, collection: string, path: string): Promise<{ id: string; value: unknown }> {
    const bytes = new Uint8Array(await readFile(path))
    if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) throw new StorageError('CORRUPT', 'cannot read document: not a BlazeDB document file', { file: path })
    if (bytes[MAGIC.length] !== VERSION) throw new StorageError('UNSUPPORTED_VERSION', `cannot read document: format version ${bytes[MAGIC.length]}, this build reads ${VERSION}`, { file: path })
    const name = path.slice(path.lastIndexOf('/') + 1)
    const plain = open(this.key, bytes.subarray(HEADER_BYTES), aad(tenant, collection, name), `document ${path}`)
    const doc = JSON.parse(decoder.decode(plain)) as { id: string; value: unknown }
    return doc
  }

  private serialise<R>(path: string, work: () => Promise<R>): Promise<R> {
    const previous = this.writing.get(path) ?? Promise.resolve()
    const next = previous.then(work, work)
    const settled = next.catch(() => {})
    this.writing.set(path, settled)
    void settled.then(() => {
      if (this.writing.get(path) === settled) this.writing.delete(path)
    })
    return next
  }
}

/** A document's file name: SHA-256 of its id, so any id is a safe, fixed-length name. */
function fileName(id: string): string {
  return createHash('sha256').update(id).digest('hex') + EXTENSION
}

/** Binds a sealed document to its tenant, collection and file: one moved elsewhere fails to open. */
function aad(tenant: string, collection: string, name: string): Uint8Array {
  return encoder.encode(`blazedb-document\u0000${tenant}\u0000${collection}\u0000${name}`)
}
