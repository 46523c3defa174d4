/**
 * @module cli/tls-files
 * The certificate, key and client CA files of the configuration, read at start and re-read
 * when they change (checked every TLS_CHECK_INTERVAL_MS, and at once on `reload()`, which
 * `blazedb serve` calls on SIGHUP). A new pair reaches new connections of every listener; a
 * pair that does not load (half-written file, key not matching the certificate) is reported
 * and the previous one kept.
 */
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import type { TlsMaterial, TlsSource } from '../ingest/index.ts'
import { ConfigError, type Config } from './config.ts'

/**
 * How often the files are compared with what is served: three small reads, so cheap, and
 * short enough that a renewed certificate (cert-manager, certbot) is picked up within seconds.
 */
export const TLS_CHECK_INTERVAL_MS = 5000

type Field = 'tlsCertFile' | 'tlsKeyFile' | 'tlsClientCaFile'

export class TlsFiles implements TlsSource {
  private readonly files: Record<Field, string | undefined>
  private readonly log: (line: string) => void
  private readonly listeners = new Set<(material: TlsMaterial) => void>()
  private material: TlsMaterial
  private timer: NodeJS.Timeout | undefined

  /** Reads the files; throws ConfigError naming the field when one cannot be read or used. */
  constructor(config: Pick<Config, Field>, log: (line: string) => void) {
    if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) throw new ConfigError('tlsCertFile', 'TLS needs both tlsCertFile and tlsKeyFile')
    this.files = { tlsCertFile: config.tlsCertFile, tlsKeyFile: config.tlsKeyFile, tlsClientCaFile: config.tlsClientCaFile }
    this.log = log
    this.material = this.read()
  }

  /** The configuration's TLS files, or undefined when TLS is off. */
  static fromConfig(config: Config, log: (line: string) => void): TlsFiles | undefined {
    return config.tlsCertFile === undefined ? undefined : new TlsFiles(config, log)
  }

  current(): TlsMaterial {
    return this.material
  }

  subscribe(listener: (material: TlsMaterial) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Starts checking the files for changes (the timer never keeps the process alive). */
  watch(): void {
    this.timer ??= setInterval(() => this.reload(), TLS_CHECK_INTERVAL_MS).unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Re-reads the files; returns true when new material is served from now on. */
  reload(): boolean {
    let next: TlsMaterial
    try {
      next = this.read()
    } catch (error) {
      this.log(`blazedb: ${(error as Error).message}; still serving the previous certificate`)
      return false
    }
    const same = (a?: Buffer, b?: Buffer) => (a === undefined ? b === undefined : b !== undefined && a.equals(b))
    if (same(next.cert, this.material.cert) && same(next.key, this.material.key) && same(next.clientCa, this.material.clientCa)) return false
    this.material = next
    for (const listener of this.listeners) listener(next)
    this.log('blazedb: TLS certificate reloaded; new connections use it')
    return true
  }

  private read(): TlsMaterial {
    const load = (field: Field): Buffer | undefined => {
      const path = this.files[field]
      if (path === undefined) return undefined
      try {
        return readFileSync(path)
      } catch (error) {
        throw new ConfigError(field, `cannot read ${path}: ${(error as Error).message}`)
      }
    }
    const material: TlsMaterial = { cert: load('tlsCertFile')!, key: load('tlsKeyFile')!, clientCa: load('tlsClientCaFile') }
    try {
      // Checks the PEM and that the key belongs to the certificate, as a listener would.
      createSecureContext({ cert: material.cert, key: material.key, ca: material.clientCa })
    } catch (error) {
      throw new ConfigError('tlsCertFile', `cannot use ${this.files.tlsCertFile} with ${this.files.tlsKeyFile}${material.clientCa === undefined ? '' : ` and ${this.files.tlsClientCaFile}`}: ${(error as Error).message}`)
    }
    return material
  }
}
