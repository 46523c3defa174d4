/**
 * TLS files: unusable files stop the start naming the field; a change that does not load is
 * reported and the served certificate kept; a good change reaches subscribers once.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { issue, makeCa, OPENSSL, type IssuedCert } from '../test/support/test-ca.ts'
import { ConfigError, loadConfig } from './config.ts'
import { TlsFiles } from './tls-files.ts'

let root: string
let a: IssuedCert
let b: IssuedCert

beforeAll(() => {
  if (OPENSSL === undefined) return
  root = mkdtempSync(join(tmpdir(), 'blazedb-tls-files-'))
  const ca = makeCa(root, 'ca')
  a = issue(root, ca, 'a', 'server')
  b = issue(root, ca, 'b', 'server')
})
afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
})

function configError(f: () => unknown): ConfigError {
  try {
    f()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('TLS configuration', () => {
  it('needs a certificate and a key together', () => {
    expect(configError(() => loadConfig({}, { BLAZEDB_TLS_CERT_FILE: 'server.crt' })).message).toBe('invalid configuration: tlsKeyFile: TLS needs both tlsCertFile and tlsKeyFile')
    expect(configError(() => loadConfig({}, { BLAZEDB_TLS_CLIENT_CA_FILE: 'ca.crt' })).field).toBe('tlsClientCaFile')
  })
})

describe.skipIf(OPENSSL === undefined)('TlsFiles', () => {
  it('refuses files it cannot read or use, naming the field', () => {
    const missing = configError(() => new TlsFiles({ tlsCertFile: join(root, 'none.crt'), tlsKeyFile: a.keyFile }, () => {}))
    expect(missing.message).toMatch(/^invalid configuration: tlsCertFile: cannot read .*none\.crt: ENOENT/)
    const mismatched = configError(() => new TlsFiles({ tlsCertFile: a.certFile, tlsKeyFile: b.keyFile }, () => {}))
    expect(mismatched.message).toContain(`tlsCertFile: cannot use ${a.certFile} with ${b.keyFile}: `)
  })

  it('keeps the served pair when a change does not load, and passes a good one on', () => {
    const certFile = join(root, 'served.crt')
    const keyFile = join(root, 'served.key')
    copyFileSync(a.certFile, certFile)
    copyFileSync(a.keyFile, keyFile)
    const lines: string[] = []
    const files = new TlsFiles({ tlsCertFile: certFile, tlsKeyFile: keyFile }, (l) => lines.push(l))
    const seen: Buffer[] = []
    files.subscribe((m) => seen.push(m.cert))
    expect(files.reload()).toBe(false)

    writeFileSync(certFile, b.cert.subarray(0, 100)) // half written
    expect(files.reload()).toBe(false)
    expect(files.current().cert.equals(a.cert)).toBe(true)
    expect(lines.at(-1)).toMatch(/still serving the previous certificate$/)

    copyFileSync(b.certFile, certFile)
    copyFileSync(b.keyFile, keyFile)
    expect(files.reload()).toBe(true)
    expect(files.current().cert.equals(b.cert)).toBe(true)
    expect(seen).toHaveLength(1)
  })
})
