import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openEngine } from '../engine/engine.ts'
import { StorageError } from '../errors.ts'
import { MemoryDocuments, type DocumentStore } from './document-store.ts'
import { DOCUMENTS_DIR, FileDocuments } from './file-documents.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'blazedb-docs-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const KEY = new Uint8Array(32).fill(7)

/** The contract every DocumentStore keeps. */
function contract(name: string, make: () => DocumentStore): void {
  describe(`${name} keeps the document contract`, () => {
    it('stores, reads, lists in id order, replaces and deletes', async () => {
      const docs = make()
      expect(await docs.get('acme', 'dashboards', 'missing')).toBeUndefined()
      await docs.put('acme', 'dashboards', 'b/2', { title: 'B', panels: [1, 2] })
      await docs.put('acme', 'dashboards', 'a 1', { title: 'A' })
      await docs.put('other', 'dashboards', 'a 1', { title: 'other tenant' })
      expect(await docs.get('acme', 'dashboards', 'b/2')).toEqual({ title: 'B', panels: [1, 2] })
      expect(await docs.list('acme', 'dashboards')).toEqual([
        { id: 'a 1', value: { title: 'A' } },
        { id: 'b/2', value: { title: 'B', panels: [1, 2] } },
      ])
      await docs.put('acme', 'dashboards', 'a 1', { title: 'A2' })
      expect(await docs.get('acme', 'dashboards', 'a 1')).toEqual({ title: 'A2' })
      expect(await docs.delete('acme', 'dashboards', 'a 1')).toBe(true)
      expect(await docs.delete('acme', 'dashboards', 'a 1')).toBe(false)
      expect(await docs.list('acme', 'dashboards')).toEqual([{ id: 'b/2', value: { title: 'B', panels: [1, 2] } }])
      expect(await docs.get('other', 'dashboards', 'a 1')).toEqual({ title: 'other tenant' })
      expect(await docs.list('acme', 'alert-state')).toEqual([])
      expect(await docs.tenants('dashboards')).toEqual(['acme', 'other'])
      await docs.delete('other', 'dashboards', 'a 1')
      expect(await docs.tenants('dashboards')).toEqual(['acme'])
      expect(await docs.tenants('alert-state')).toEqual([])
    })

    it('copies values in and out', async () => {
      const docs = make()
      const value = { list: [1] }
      await docs.put('t', 'c', 'x', value)
      value.list.push(2)
      const read = await docs.get<{ list: number[] }>('t', 'c', 'x')
      expect(read).toEqual({ list: [1] })
      read!.list.push(3)
      expect(await docs.get('t', 'c', 'x')).toEqual({ list: [1] })
    })

    it('refuses names it cannot keep, saying why', async () => {
      const docs = make()
      const refused = async (p: Promise<unknown>, message: RegExp): Promise<void> => {
        const error = await p.catch((e: unknown) => e)
        expect(error).toBeInstanceOf(StorageError)
        expect((error as StorageError).code).toBe('INVALID_ARGUMENT')
        expect((error as StorageError).message).toMatch(message)
      }
      await refused(docs.put('t', 'Bad/Name', 'x', 1), /collection "Bad\/Name" must match/)
      await refused(docs.put('t', 'c', '', 1), /id must have 1 to 256 characters, not 0/)
      await refused(docs.put('t', 'c', 'x'.repeat(257), 1), /not 257/)
      await refused(docs.put('', 'c', 'x', 1), /tenant is empty/)
      await refused(docs.put('t', 'c', 'x', undefined), /undefined has no JSON form/)
    })

    it('keeps every write of concurrent puts whole, the last one winning', async () => {
      const docs = make()
      await Promise.all(Array.from({ length: 20 }, (_, i) => docs.put('t', 'c', 'same', { i, pad: 'x'.repeat(i * 100) })))
      expect(await docs.get('t', 'c', 'same')).toEqual({ i: 19, pad: 'x'.repeat(1900) })
    })
  })
}

contract('MemoryDocuments', () => new MemoryDocuments())
contract('FileDocuments', () => new FileDocuments(tempDir(), KEY))

describe('documents on disk', () => {
  it('survive a restart of the engine, encrypted: no plaintext on disk', async () => {
    const dir = tempDir()
    let engine = await openEngine({ dataDir: dir, password: 'pw' })
    await engine.documents.put('acme', 'dashboards', 'overview', { title: 'secret-title-1234' })
    await engine.close()
    const files = readdirSync(join(dir, DOCUMENTS_DIR), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.doc'))
    expect(files).toHaveLength(1)
    expect(readFileSync(join(dir, DOCUMENTS_DIR, files[0])).includes('secret-title')).toBe(false)
    engine = await openEngine({ dataDir: dir, password: 'pw' })
    expect(await engine.documents.get('acme', 'dashboards', 'overview')).toEqual({ title: 'secret-title-1234' })
    await engine.close()
  })

  it('detects a tampered file, a file moved to another id or tenant, and another key', async () => {
    const dir = tempDir()
    const docs = new FileDocuments(dir, KEY)
    await docs.put('acme', 'c', 'one', { n: 1 })
    await docs.put('acme', 'c', 'two', { n: 2 })
    await docs.put('zeta', 'c', 'one', { n: 3 })
    const cdir = join(dir, DOCUMENTS_DIR, Buffer.from('acme').toString('hex'), 'c')
    const [first, second] = readdirSync(cdir).sort()
    const code = async (p: Promise<unknown>): Promise<string> => ((await p.catch((e: unknown) => e)) as StorageError).code

    expect(await code(new FileDocuments(dir, new Uint8Array(32).fill(8)).get('acme', 'c', 'one'))).toBe('TAMPERED')

    const bytes = readFileSync(join(cdir, first))
    bytes[bytes.length - 20] ^= 1
    writeFileSync(join(cdir, first), bytes)
    expect(await code(docs.list('acme', 'c'))).toBe('TAMPERED')

    // One document's file put in place of another's: authenticated for another name, refused.
    renameSync(join(cdir, second), join(cdir, first))
    expect(await code(docs.list('acme', 'c'))).toBe('TAMPERED')

    // A tenant's file copied into another tenant's directory.
    const zdir = join(dir, DOCUMENTS_DIR, Buffer.from('zeta').toString('hex'), 'c')
    writeFileSync(join(cdir, first), readFileSync(join(zdir, readdirSync(zdir)[0])))
    expect(await code(docs.list('acme', 'c'))).toBe('TAMPERED')

    writeFileSync(join(cdir, first), 'not a document')
    expect(await code(docs.list('acme', 'c'))).toBe('CORRUPT')
  })
})
