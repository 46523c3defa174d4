import { createServer } from 'node:http'
import { describe, expect, it } from 'vitest'
import { BatchBuilder } from '../../storage/index.ts'
import { otlpHttpSink } from './otlp-http-sink.ts'

function logBatch() {
  const b = new BatchBuilder('logs')
  b.setI64('timeUnixNano', 0, 1796618401000000000n)
  b.setStr('body', 0, 'hello')
  return b.finish(1)
}

interface Seen {
  path: string
  auth: string
  key: string
  body: string
}

async function withServer(answers: number[], run: (url: string, seen: Seen[]) => Promise<void>) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization ?? '', key: String(req.headers['idempotency-key']), body })
      res.writeHead(answers[Math.min(seen.length - 1, answers.length - 1)], { 'content-type': 'application/json', 'retry-after': '0' })
      res.end('{"message":"answer"}')
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  try {
    await run(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, seen)
  } finally {
    await new Promise((done) => server.close(done))
  }
}

describe('otlpHttpSink', () => {
  it('posts OTLP/JSON with the token, retrying 503 until it is taken', () =>
    withServer([503, 429, 200], async (url, seen) => {
      await otlpHttpSink({ endpoint: url, token: 'tok-12345', backoffMs: 1 })('ignored', logBatch())
      expect(seen.map((s) => [s.path, s.auth])).toEqual([['/v1/logs', 'Bearer tok-12345'], ['/v1/logs', 'Bearer tok-12345'], ['/v1/logs', 'Bearer tok-12345']])
      expect(JSON.parse(seen[0].body).resourceLogs[0].scopeLogs[0].logRecords[0]).toMatchObject({ timeUnixNano: '1796618401000000000', body: { stringValue: 'hello' } })
    }))

  it('gives up at once on a permanent failure, after its attempts on a retryable one', async () => {
    await withServer([400], async (url, seen) => {
      await expect(otlpHttpSink({ endpoint: url, backoffMs: 1 })('t', logBatch())).rejects.toMatchObject({ code: 'SINK_REJECTED', message: expect.stringMatching(/HTTP 400/) })
      expect(seen.length).toBe(1)
    })
    await withServer([401], async (url, seen) => {
      // The data is not at fault: retryable once the token is fixed, but not tried again here.
      await expect(otlpHttpSink({ endpoint: url, backoffMs: 1 })('t', logBatch())).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', message: expect.stringMatching(/HTTP 401.*check the endpoint and the token/) })
      expect(seen.length).toBe(1)
    })
    await withServer([503], async (url, seen) => {
      await expect(otlpHttpSink({ endpoint: url, backoffMs: 1, attempts: 3 })('t', logBatch())).rejects.toMatchObject({ code: 'SINK_UNAVAILABLE', message: expect.stringMatching(/after 3 attempts: HTTP 503/) })
      expect(seen.length).toBe(3)
    })
  })

  it('sends the same Idempotency-Key on every attempt: the batch\'s, else a random one per batch', async () => {
    await withServer([503, 200], async (url, seen) => {
      const sink = otlpHttpSink({ endpoint: url, backoffMs: 1 })
      await sink('t', logBatch(), { idempotencyKey: 'tail:0123456789abcdef:0-6' })
      expect(seen.map((s) => s.key)).toEqual(['"tail:0123456789abcdef:0-6"', '"tail:0123456789abcdef:0-6"'])
    })
    await withServer([502, 200, 200], async (url, seen) => {
      const sink = otlpHttpSink({ endpoint: url, backoffMs: 1 })
      await sink('t', logBatch())
      await sink('t', logBatch())
      expect(seen[0].key).toMatch(/^"batch:[0-9a-f-]{36}"$/)
      expect(seen[1].key).toBe(seen[0].key)
      expect(seen[2].key).not.toBe(seen[0].key)
    })
  })
})
