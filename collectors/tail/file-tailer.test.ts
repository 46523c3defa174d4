/**
 * The file tailer on real files in a temporary directory, polled by hand (no timers), into
 * a MemoryStore: formats, multi-line records, rotation, truncation, restarts and the
 * exactly-once settlement of a batch pending at a crash.
 */
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cellValue, MemoryStore, type Batch } from '../../storage/index.ts'
import type { BatchSink, SinkOptions } from '../collector-stats.ts'
import { CollectorError } from '../errors.ts'
import type { TailConfig } from '../config.ts'
import { FileTailer } from './file-tailer.ts'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'blazedb-tail-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function tailer(store: MemoryStore, config: Partial<TailConfig> = {}, sink?: BatchSink, lookUp = true) {
  const full: TailConfig = { files: [{ include: [join(dir, '*.log')], startAt: 'beginning', service: 'app' }], ...config }
  return new FileTailer(full, { sink: sink ?? ((t, b) => store.append(t, b)), positionsFile: join(dir, 'state', 'positions.json'), defaultTenant: 'default', store: lookUp ? store : undefined })
}

async function rows(store: MemoryStore): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = []
  for await (const b of store.scan({ tenant: 'default', signal: 'logs' })) {
    for (let i = 0; i < b.length; i++) out.push(Object.fromEntries(Object.entries(b.columns).map(([k, c]) => [k, cellValue(c, i)])))
  }
  return out
}
const bodies = async (store: MemoryStore) => (await rows(store)).map((r) => r.body)

/** Polls until a poll finds nothing new (the last record is held back while the file grows). */
async function drain(t: FileTailer): Promise<void> {
  await t.poll()
  await t.poll()
}

describe('FileTailer', () => {
  it('parses JSON, logfmt and plain lines and groups stack traces', async () => {
    const store = new MemoryStore()
    const file = join(dir, 'app.log')
    writeFileSync(
      file,
      [
        '{"time":"2026-12-07T04:40:01.5Z","level":"info","msg":"started","port":8080}',
        'time=2026-12-07T04:40:02Z level=warn msg="slow request" route=/cart',
        '2026-12-07 04:40:03.250 ERROR request failed',
        'java.lang.IllegalStateException: boom',
        '    at shop.Cart.add(Cart.java:42)',
        'Caused by: java.io.IOException: closed',
        '    ... 3 more',
        '',
        'plain words',
        '',
      ].join('\n'),
    )
    const t = tailer(store, { files: [{ include: [file], startAt: 'beginning', service: 'app', multiline: { start: '^(\\{|time=|\\d{4}-|plain)' } }] })
    await t.recover()
    await t.poll()
    // The file grew since the last look: its last record may go on, so it waits.
    expect(await bodies(store)).toEqual(['started', 'slow request', '2026-12-07 04:40:03.250 ERROR request failed\njava.lang.IllegalStateException: boom\n    at shop.Cart.add(Cart.java:42)\nCaused by: java.io.IOException: closed\n    ... 3 more'])
    await t.poll()
    const all = await rows(store)
    expect(all.map((r) => [r.body, r.timeUnixNano, r.severityNumber, r.severityText])).toEqual([
      ['started', 1796618401500000000n, 9, 'INFO'],
      ['slow request', 1796618402000000000n, 13, 'WARN'],
      [all[2].body, 1796618403250000000n, 17, 'ERROR'],
      ['plain words', all[3].observedTimeUnixNano, undefined, undefined],
    ])
    expect(all[0]).toMatchObject({ 'a:port': 8080n, 'a:log.file.path': file, 'a:log.file.name': 'app.log', 'r:service.name': 'app', 'scope.name': 'blazedb/collectors/tail' })
    expect(all[1]['a:route']).toBe('/cart')
    expect(t.stats.snapshot().counters).toMatchObject({ recordsStored: 4, filesOpened: 1 })
    await t.stop()
  })

  it('by default, continues a record with indented lines (stack traces)', async () => {
    const store = new MemoryStore()
    writeFileSync(join(dir, 'app.log'), 'Error: boom\n    at f (a.js:1:1)\n    at g (b.js:2:2)\nnext\nTraceback (most recent call last):\n  File "x.py", line 1\nValueError: bad\n')
    const t = tailer(store)
    await t.recover()
    await drain(t)
    await t.stop()
    expect(await bodies(store)).toEqual(['Error: boom\n    at f (a.js:1:1)\n    at g (b.js:2:2)', 'next', 'Traceback (most recent call last):\n  File "x.py", line 1', 'ValueError: bad'])
  })

  it('follows a rotated file to its end and reads the new one from its start', async () => {
    const store = new MemoryStore()
    const file = join(dir, 'app.log')
    writeFileSync(file, 'one\ntwo\n')
    const t = tailer(store)
    await t.recover()
    await drain(t)
    renameSync(file, join(dir, 'app.log.1'))
    appendFileSync(join(dir, 'app.log.1'), 'three\n') // the writer still had the old file open
    writeFileSync(file, 'four\n')
    await drain(t)
    appendFileSync(file, 'five\n')
    await drain(t)
    expect(await bodies(store)).toEqual(['one', 'two', 'three', 'four', 'five'])
    expect(t.stats.snapshot().counters).toMatchObject({ filesOpened: 2, filesClosed: 1 })
    await t.stop()
  })

  it('reads a truncated file again from its start', async () => {
    const store = new MemoryStore()
    const file = join(dir, 'app.log')
    writeFileSync(file, 'first line that is long\nsecond line that is long\n')
    const t = tailer(store)
    await t.recover()
    await drain(t)
    truncateSync(file, 0)
    appendFileSync(file, 'after\n')
    await drain(t)
    expect(await bodies(store)).toEqual(['first line that is long', 'second line that is long', 'after'])
    expect(t.stats.get('truncations')).toBe(1)
    await t.stop()
  })

  it('starts at the end of files present at the very first start unless told otherwise, resumes after a restart, and reads files new since from their start', async () => {
    const store = new MemoryStore()
    const file = join(dir, 'app.log')
    writeFileSync(file, 'old\n')
    let t = tailer(store, { files: [{ include: [file] }] })
    await t.recover()
    await drain(t)
    appendFileSync(file, 'new\n')
    await drain(t)
    await t.stop()
    appendFileSync(file, 'while down\n')
    writeFileSync(join(dir, 'other.log'), 'appeared while down\n')
    t = tailer(store, { files: [{ include: [join(dir, '*.log')] }] })
    await t.recover()
    await drain(t)
    await t.stop()
    expect((await bodies(store)).sort()).toEqual(['appeared while down', 'new', 'while down'])
  })

  it('settles a batch pending at a crash: stored means skip it, not stored means read it again', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'a\nb\n')
    // A crash after the append became durable, before the position moved: the sink stores, then the process "dies".
    const store = new MemoryStore()
    let crash = true
    const t1 = tailer(store, {}, async (tenant, b) => {
      await store.append(tenant, b)
      if (crash) throw new Error('process killed')
    })
    await t1.recover()
    await t1.poll() // stores "a" (the file grew: "b" waits), then fails
    await t1.stop()
    const positions = JSON.parse(readFileSync(join(dir, 'state', 'positions.json'), 'utf8'))
    // The failed sink cleared pending; put it back as a crash would have left it.
    const [id] = Object.keys(positions.files)
    expect(positions.files[id].offset).toBe(0)
    crash = false
    const stored = await rows(store)
    expect(await bodies(store)).toEqual(['a'])
    positions.files[id].pending = { to: 2, observed: String(stored[0].observedTimeUnixNano), start: '0', end: String((stored[0].timeUnixNano as bigint) + 1n) }
    writeFileSync(join(dir, 'state', 'positions.json'), JSON.stringify(positions))
    const t2 = tailer(store)
    await t2.recover()
    expect(t2.stats.get('pendingFoundStored')).toBe(1)
    await drain(t2)
    await t2.stop()
    expect(await bodies(store)).toEqual(['a', 'b'])

    // Not stored: the same batch is read again.
    const empty = new MemoryStore()
    positions.files[id].pending.observed = '123'
    writeFileSync(join(dir, 'state', 'positions.json'), JSON.stringify(positions))
    const t3 = tailer(empty)
    await t3.recover()
    expect(t3.stats.get('pendingReread')).toBe(1)
    await drain(t3)
    await t3.stop()
    expect(await bodies(empty)).toEqual(['a', 'b'])
  })

  it('without a store, sends a batch whose answer was lost again, same rows and key, across a restart; the receiver stores it once', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'a\nb\n')
    const receiver = new MemoryStore()
    const keys: string[] = []
    let duplicates = 0
    let loseAnswers = 2
    // A receiver that honours keys, and a network that loses the first two answers.
    const sent: Batch[] = []
    const sink: BatchSink = async (tenant, b, options?: SinkOptions) => {
      keys.push(options!.idempotencyKey!)
      sent.push(b)
      await receiver.append(tenant, b, { idempotencyKey: options?.idempotencyKey, onDuplicate: () => void duplicates++ })
      if (loseAnswers-- > 0) throw new Error('connection reset')
    }
    const t1 = tailer(receiver, {}, sink, false)
    await t1.recover()
    await t1.poll() // "a" stored, answer lost: still pending
    appendFileSync(file, 'c\n')
    await t1.poll() // "a" again with its key (answer lost again)
    await t1.stop() // a crash: the positions file keeps the pending batch
    expect(JSON.parse(readFileSync(join(dir, 'state', 'positions.json'), 'utf8')).files).toSatisfy((f: Record<string, { pending?: { key: string } }>) => Object.values(f)[0].pending?.key === keys[0])
    const t2 = tailer(receiver, {}, sink, false)
    await t2.recover()
    await drain(t2)
    appendFileSync(file, 'd\n')
    await drain(t2)
    await t2.stop()
    expect(t2.stats.get('pendingResent')).toBe(1)
    expect(keys[0]).toMatch(/^tail:[0-9a-f]{16}:0-2$/)
    expect(keys.slice(0, 3)).toEqual([keys[0], keys[0], keys[0]])
    expect(duplicates).toBe(2)
    expect(await bodies(receiver)).toEqual(['a', 'b', 'c', 'd'])
    // The resent rows are those of the first attempt (same observed time).
    expect(new Set(sent.slice(0, 3).map((b) => cellValue(b.columns.observedTimeUnixNano, 0))).size).toBe(1)
  })

  it('a truncated file starts a new generation: the same byte range is new rows under a new key', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'one\n')
    const receiver = new MemoryStore()
    const keys: string[] = []
    const sink: BatchSink = async (tenant, b, options?: SinkOptions) => {
      keys.push(options!.idempotencyKey!)
      await receiver.append(tenant, b, options)
    }
    const t = tailer(receiver, {}, sink, false)
    await t.recover()
    await drain(t)
    truncateSync(file, 0)
    await t.poll()
    writeFileSync(file, 'two\n')
    await drain(t)
    await t.stop()
    expect(await bodies(receiver)).toEqual(['one', 'two'])
    expect(keys[0].endsWith(':0-4') && keys[1].endsWith(':0-4') && keys[0] !== keys[1]).toBe(true)
  })

  it('reads the rest of a file rotated to a name no glob matches while the collector was down', async () => {
    const store = new MemoryStore()
    const file = join(dir, 'app.log')
    writeFileSync(file, 'one\ntwo\n')
    const config = { files: [{ include: [file], startAt: 'beginning' as const }] }
    let t = tailer(store, config)
    await t.recover()
    await drain(t)
    await t.stop()
    appendFileSync(file, 'three\nfour\n')
    renameSync(file, join(dir, 'app.log.1')) // rotated while down: app.log.1 is not included
    writeFileSync(file, 'five\n')
    t = tailer(store, config)
    await t.recover()
    await drain(t)
    await drain(t)
    await t.stop()
    expect(await bodies(store)).toEqual(['one', 'two', 'three', 'four', 'five'])
    expect(t.stats.get('filesClosed')).toBe(1)
  })

  it('skips a batch the sink refuses for good and goes on; retries one it could not deliver', async () => {
    const file = join(dir, 'app.log')
    writeFileSync(file, 'refused\n')
    const store = new MemoryStore()
    let failure: CollectorError | undefined = new CollectorError('SINK_UNAVAILABLE', 'HTTP 401: check the token')
    const sink: BatchSink = async (tenant, b, options) => {
      if (failure !== undefined) throw failure
      await store.append(tenant, b, options)
    }
    const t = tailer(store, {}, sink, false)
    await t.recover()
    await drain(t) // not delivered: still pending
    failure = new CollectorError('SINK_REJECTED', 'HTTP 400: every record is outside the time window')
    await drain(t) // refused for good: skipped
    failure = undefined
    appendFileSync(file, 'kept\n')
    await drain(t)
    await t.stop()
    expect(await bodies(store)).toEqual(['kept'])
    expect(t.stats.get('recordsRejected')).toBe(1)
    expect(t.snapshot().errorsByCode).toMatchObject({ SINK_UNAVAILABLE: expect.any(Number), SINK_REJECTED: 1 })
  })
})
