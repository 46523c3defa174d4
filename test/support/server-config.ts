/**
 * @module test/support/server-config
 * The configuration of a server a test starts in-process: the defaults, every listener on
 * 127.0.0.1 port 0 (the addresses are read back from the running server), a data directory
 * and a password of the test's own.
 */
import { DEFAULT_CONFIG, type Config } from '../../cli/config.ts'

/**
 * @example
 * const server = await startServer(localConfig(dir, 'my test password', { alerts }), { log: () => {} })
 */
export function localConfig(dataDir: string, password: string, overrides: Partial<Config> = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    dataDir,
    password,
    httpAddr: '127.0.0.1:0',
    otlpHttpAddr: '127.0.0.1:0',
    otlpGrpcAddr: '127.0.0.1:0',
    ...overrides,
  }
}
