/**
 * @module test/support/test-ca
 * Certificate authorities and certificates made for a test with the `openssl` command (a
 * system program: see system-tool.ts): a CA, server certificates for 127.0.0.1 and localhost,
 * and client certificates for mutual TLS. Keys are P-256, valid for two days.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { systemTool } from './system-tool.ts'

/** The openssl program, or undefined (the caller skips) when it is missing and not required. */
export const OPENSSL = systemTool('openssl', ['/usr/bin/openssl', 'openssl'], 'apt-get install -y openssl')

export interface TestCa {
  name: string
  certFile: string
  keyFile: string
  cert: Buffer
}

export interface IssuedCert {
  certFile: string
  keyFile: string
  cert: Buffer
  key: Buffer
}

function openssl(dir: string, args: string[]): void {
  execFileSync(OPENSSL!, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']

/** A self-signed CA in `dir`, files named after `name`. */
export function makeCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.crt`)
  const keyFile = join(dir, `${name}.key`)
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${name}`, '-days', '2',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  return { name, certFile, keyFile, cert: readFileSync(certFile) }
}

/**
 * A certificate signed by `ca`: for a server (127.0.0.1 and localhost) or a client.
 * @example const server = issue(dir, ca, 'server-1', 'server')
 */
export function issue(dir: string, ca: TestCa, name: string, role: 'server' | 'client'): IssuedCert {
  const certFile = join(dir, `${name}.crt`)
  const keyFile = join(dir, `${name}.key`)
  const csr = join(dir, `${name}.csr`)
  const ext = join(dir, `${name}.ext`)
  writeFileSync(ext, role === 'server'
    ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
    : 'extendedKeyUsage=clientAuth\n')
  openssl(dir, ['req', ...KEY, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${name}`])
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', ext])
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) }
}
