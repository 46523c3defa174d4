/**
 * The count of exports at work on the CPU (ingest/inflight.ts `working`), which query threads
 * pause for: an export counts while it is decoded, checked and encoded for the log, not while
 * its body is still arriving nor while its append waits for the disk.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { Intake, startOtlpHttp, type OtlpServer } from '../ingest/index.ts'
import { MemoryStore, openEngine, type AppendOptions, type Batch } from '../storage/index.ts'
import { generateWorkload, otlpJson } from '../workload/index.ts'
import { encodeOtlpJsonAsProtobuf } from './support/otlp-protobufjs.ts'
import { makeSpans, T0 } from './support/telemetry.ts'
import { waitFor } from './support/wait-for.ts'

/** A store whose appends write at once and wait until `finish()`, as the log's fdatasync does; it
 * notes the count of working exports when an append is called. */
class SlowDisk extends MemoryStore {
  workingAtAppend: number[] = []
  working?: Int32Array
  private held: (() => void)[] = []
  override async append(tenant: string, batch: Batch, options?: AppendOptions): Promise<void> {
    this.workingAtAppend.push(Atomics.load(this.working!, 0))
    options?.onWrite?.()
    await new Promise<void>((resolve) => this.held.push(resolve))
    return super.append(tenant, batch, options)
  }
  get waiting(): number {
    return this.held.length
  }
  finish(): void {
    for (const resolve of this.held.splice(0)) resolve()
  }
}

let server: OtlpServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

test('an export works from its body read to its append waiting for the disk', async () => {
  const store = new SlowDisk()
  const intake = new Intake({ store })
  store.working = intake.inflight.working
  server = await startOtlpHttp({ intake })
  const working = () => Atomics.load(intake.inflight.working, 0)
  const request = otlpJson(generateWorkload({ spans: 200, logs: 0, minutes: 1 })).traces[0]
  const spans = JSON.stringify(request).match(/"spanId"/g)!.length
  const body = encodeOtlpJsonAsProtobuf('traces', request)
  const [host, port] = [server.address.slice(0, server.address.lastIndexOf(':')), Number(server.address.slice(server.address.lastIndexOf(':') + 1))]
  const socket = connect(port, host)
  const answer = new Promise<string>((resolve, reject) => {
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1')
      if (/\r\n\r\n/.test(text)) resolve(text)
    })
    socket.once('error', reject)
  })
  try {
    socket.write(`POST /v1/traces HTTP/1.1\r\nHost: ${server.address}\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${body.length}\r\n\r\n`)
    socket.write(body.subarray(0, 10))
    // The request holds its declared bytes in flight while the rest of its body is awaited: not working.
    await waitFor('the request to be read', () => intake.inflight.inflight === body.length)
    expect(working()).toBe(0)
    socket.write(body.subarray(10))
    // Decoded and checked: the append is called while the export works, and waits for the disk without it.
    await waitFor('the append', () => store.waiting === 1)
    expect(store.workingAtAppend).toEqual([1])
    expect(working()).toBe(0)
    store.finish()
    expect((await answer).split('\r\n')[0]).toBe('HTTP/1.1 200 OK')
    expect(working()).toBe(0)
    expect(store.stats('default', 'spans').rows).toBe(spans)
  } finally {
    socket.destroy()
  }
})

test('a refused export stops working', async () => {
  const store = new SlowDisk()
  const intake = new Intake({ store })
  store.working = intake.inflight.working
  server = await startOtlpHttp({ intake })
  const res = await fetch(`http://${server.address}/v1/traces`, { method: 'POST', body: 'not protobuf', headers: { 'Content-Type': 'application/x-protobuf' } })
  expect(res.status).toBe(400)
  expect(Atomics.load(intake.inflight.working, 0)).toBe(0)
  expect(store.workingAtAppend).toEqual([])
})

test('the engine reports the log write of each append it stores, before the append resolves', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'blazedb-working-'))
  const engine = await openEngine({ dataDir, password: 'working', background: false })
  try {
    const writes: string[] = []
    const append = async (name: string, idempotencyKey?: string): Promise<void> => {
      await engine.append('default', makeSpans(10, { start: T0 }), { idempotencyKey, onWrite: () => writes.push(name) })
      writes.push(`${name} done`)
    }
    await append('plain')
    await append('keyed', 'k1')
    // A retry of a stored key writes nothing.
    await append('retry', 'k1')
    expect(writes).toEqual(['plain', 'plain done', 'keyed', 'keyed done', 'retry done'])
  } finally {
    await engine.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
