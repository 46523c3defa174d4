/**
 * @module test/support/memory-limit-server
 * A real `blazedb serve` process with a `memoryLimit` of its own, started before a test file's
 * tests and stopped (its data removed) after them, and the workload's OTLP requests as
 * protobuf bodies to send it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { OtlpJsonRequests } from '../../workload/index.ts'
import { encodeOtlpJsonAsProtobuf } from './otlp-protobufjs.ts'
import { startServerProcess, type ServerProcess } from './server-process.ts'

/** Registers the hooks; the server is there once `beforeAll` has run. */
export function serverWithMemoryLimit(limitMiB: number): { readonly server: ServerProcess } {
  const root = mkdtempSync(join(tmpdir(), 'blazedb-memory-limit-'))
  const held: { server?: ServerProcess } = {}
  beforeAll(async () => {
    const config = join(root, 'config.json')
    writeFileSync(config, JSON.stringify({ memoryLimit: `${limitMiB}MiB` }))
    held.server = await startServerProcess(join(root, 'data'), {}, ['--config', config])
  })
  afterAll(async () => {
    await held.server?.stop()
    rmSync(root, { recursive: true, force: true })
  })
  return {
    get server(): ServerProcess {
      if (held.server === undefined) throw new Error('the server is started in beforeAll')
      return held.server
    },
  }
}

/** Each signal's requests as OTLP protobuf bodies. */
export function protobufBodies(requests: OtlpJsonRequests): Record<'traces' | 'logs' | 'metrics', Uint8Array[]> {
  return {
    traces: requests.traces.map((r) => encodeOtlpJsonAsProtobuf('traces', r)),
    logs: requests.logs.map((r) => encodeOtlpJsonAsProtobuf('logs', r)),
    metrics: requests.metrics.map((r) => encodeOtlpJsonAsProtobuf('metrics', r)),
  }
}
