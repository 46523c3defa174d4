/**
 * TLS on the three listeners of `startServer` (OTLP/gRPC, OTLP/HTTP, the HTTP API), with a CA
 * and certificates the test makes with openssl: the OpenTelemetry SDK's gRPC and HTTP trace
 * exporters send over TLS and the query API reads the spans back; clients without the CA are
 * refused; a replaced certificate reaches new connections without a restart (reload() and the
 * file check); with a client CA, only clients holding a certificate it signed get in.
 */
import { credentials } from '@grpc/grpc-js'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc'
import { OTLPTraceExporter as TracesHttp } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../cli/config.ts'
import { startServer, type RunningServer } from '../cli/serve.ts'
import { startServerProcess } from './support/server-process.ts'
import { issue, makeCa, OPENSSL, type IssuedCert, type TestCa } from './support/test-ca.ts'
import { waitFor } from './support/wait-for.ts'

/** Exporters that are refused retry until their timeout: keep it short (refusal is the result either way). */
const REFUSED_TIMEOUT_MS = 2000

let root: string
let ca: TestCa
let otherCa: TestCa
let clientCa: TestCa
let server1: IssuedCert
let server2: IssuedCert
let client: IssuedCert
let intruder: IssuedCert

beforeAll(() => {
  if (OPENSSL === undefined) return
  root = mkdtempSync(join(tmpdir(), 'blazedb-tls-'))
  ca = makeCa(root, 'server-ca')
  otherCa = makeCa(root, 'other-ca')
  clientCa = makeCa(root, 'client-ca')
  server1 = issue(root, ca, 'server-1', 'server')
  server2 = issue(root, ca, 'server-2', 'server')
  client = issue(root, clientCa, 'client-1', 'client')
  intruder = issue(root, otherCa, 'intruder', 'client')
})
afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
})

/** A server whose TLS files are copies (so the test can replace them) of `cert`. */
async function tlsServer(name: string, cert: IssuedCert, mutual: boolean): Promise<{ server: RunningServer; certFile: string; keyFile: string }> {
  const certFile = join(root, `${name}-served.crt`)
  const keyFile = join(root, `${name}-served.key`)
  copyFileSync(cert.certFile, certFile)
  copyFileSync(cert.keyFile, keyFile)
  const env: NodeJS.ProcessEnv = {
    BLAZEDB_PASSWORD: 'tls test password',
    BLAZEDB_TLS_CERT_FILE: certFile,
    BLAZEDB_TLS_KEY_FILE: keyFile,
    ...(mutual ? { BLAZEDB_TLS_CLIENT_CA_FILE: clientCa.certFile } : {}),
  }
  const flags = { 'data-dir': join(root, `${name}-data`), 'http-addr': '127.0.0.1:0', 'otlp-http-addr': '127.0.0.1:0', 'otlp-grpc-addr': '127.0.0.1:0' }
  const server = await startServer(loadConfig(flags, env), { log: () => {} })
  return { server, certFile, keyFile }
}

/** Two spans made by the SDK, to hand to an exporter. */
async function sdkSpans(service: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service }), spanProcessors: [new SimpleSpanProcessor(memory)] })
  const tracer = provider.getTracer('tls-test')
  tracer.startSpan('first').end()
  tracer.startSpan('second').end()
  await provider.forceFlush()
  return memory.getFinishedSpans()
}

async function send(exporter: TracesGrpc | TracesHttp, service: string): Promise<ExportResult> {
  const spans = await sdkSpans(service)
  const result = await new Promise<ExportResult>((done) => exporter.export(spans, done))
  await exporter.shutdown()
  return result
}

interface TlsClient { ca?: Buffer; cert?: Buffer; key?: Buffer }

/** An HTTPS request; resolves with status and body, rejects when the connection is refused. */
function https(address: string, path: string, client: TlsClient, body?: string): Promise<{ status: number; text: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))]
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: body === undefined ? 'GET' : 'POST', agent: false, ...client, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode!, text }))
    })
    req.once('error', reject)
    req.end(body)
  })
}

/** The common name of the certificate a new TLS connection to `address` is shown. */
function servedName(address: string): Promise<string> {
  const at = address.lastIndexOf(':')
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: address.slice(0, at), port: Number(address.slice(at + 1)), ca: ca.cert, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const name = socket.getPeerCertificate().subject.CN
      socket.destroy()
      resolve(String(Array.isArray(name) ? name[0] : name))
    })
    socket.once('error', reject)
  })
}

async function spanCount(server: RunningServer, service: string, client: TlsClient): Promise<number> {
  const query = JSON.stringify({ query: `spans | where service.name = "${service}" | stats count()` })
  const answer = await https(server.addresses.http, '/api/v1/query', client, query)
  expect(answer.status).toBe(200)
  return JSON.parse(answer.text).rows[0][0]
}

describe.skipIf(OPENSSL === undefined)('TLS on every listener', () => {
  it('takes spans from the SDK exporters over gRPC and HTTP, answers queries, refuses clients without the CA', async () => {
    const { server } = await tlsServer('plain', server1, false)
    try {
      const grpcOk = await send(new TracesGrpc({ url: `https://${server.addresses.otlpGrpc}`, credentials: credentials.createSsl(ca.cert) }), 'tls-grpc')
      expect(grpcOk.error?.message).toBeUndefined()
      expect(grpcOk.code).toBe(ExportResultCode.SUCCESS)
      const httpOk = await send(new TracesHttp({ url: `https://${server.addresses.otlpHttp}/v1/traces`, httpAgentOptions: { ca: ca.cert } }), 'tls-http')
      expect(httpOk.error?.message).toBeUndefined()
      expect(httpOk.code).toBe(ExportResultCode.SUCCESS)
      expect(await spanCount(server, 'tls-grpc', { ca: ca.cert })).toBe(2)
      expect(await spanCount(server, 'tls-http', { ca: ca.cert })).toBe(2)

      // Clients that do not trust the CA: the SDK exporters fail, HTTPS requests are refused.
      const grpcRefused = await send(new TracesGrpc({ url: `https://${server.addresses.otlpGrpc}`, credentials: credentials.createSsl(otherCa.cert), timeoutMillis: REFUSED_TIMEOUT_MS }), 'tls-refused')
      expect(grpcRefused.code).toBe(ExportResultCode.FAILED)
      const httpRefused = await send(new TracesHttp({ url: `https://${server.addresses.otlpHttp}/v1/traces`, httpAgentOptions: { ca: otherCa.cert }, timeoutMillis: REFUSED_TIMEOUT_MS }), 'tls-refused')
      expect(httpRefused.code).toBe(ExportResultCode.FAILED)
      for (const address of [server.addresses.http, server.addresses.otlpHttp, server.addresses.otlpGrpc]) {
        await expect(https(address!, '/healthz', { ca: otherCa.cert })).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })
      }
      expect(await spanCount(server, 'tls-refused', { ca: ca.cert })).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('serves a replaced certificate to new connections without a restart', async () => {
    const { server, certFile, keyFile } = await tlsServer('reload', server1, false)
    const addresses = [server.addresses.http, server.addresses.otlpHttp!, server.addresses.otlpGrpc!]
    try {
      for (const address of addresses) expect(await servedName(address)).toBe('server-1')
      copyFileSync(server2.certFile, certFile)
      copyFileSync(server2.keyFile, keyFile)
      expect(server.reloadTls()).toBe(true)
      for (const address of addresses) expect(await servedName(address)).toBe('server-2')
      const afterReload = await send(new TracesGrpc({ url: `https://${server.addresses.otlpGrpc}`, credentials: credentials.createSsl(ca.cert) }), 'tls-reloaded')
      expect(afterReload.code).toBe(ExportResultCode.SUCCESS)

      // Without reload(): the server notices the files changed on its own.
      copyFileSync(server1.certFile, certFile)
      copyFileSync(server1.keyFile, keyFile)
      await waitFor('the replaced certificate to be picked up', async () => (await servedName(server.addresses.http)) === 'server-1', 30_000, 100)
      for (const address of addresses) expect(await servedName(address)).toBe('server-1')
    } finally {
      await server.close()
    }
  })

  it('with a client CA, lets in only clients holding a certificate it signed', async () => {
    const { server } = await tlsServer('mutual', server1, true)
    try {
      const withCert = { ca: ca.cert, cert: client.cert, key: client.key }
      const grpcOk = await send(new TracesGrpc({ url: `https://${server.addresses.otlpGrpc}`, credentials: credentials.createSsl(ca.cert, client.key, client.cert) }), 'mtls')
      expect(grpcOk.code).toBe(ExportResultCode.SUCCESS)
      const httpOk = await send(new TracesHttp({ url: `https://${server.addresses.otlpHttp}/v1/traces`, httpAgentOptions: withCert }), 'mtls')
      expect(httpOk.code).toBe(ExportResultCode.SUCCESS)
      expect(await spanCount(server, 'mtls', withCert)).toBe(4)

      for (const who of [{ ca: ca.cert }, { ca: ca.cert, cert: intruder.cert, key: intruder.key }]) {
        const grpcRefused = await send(new TracesGrpc({ url: `https://${server.addresses.otlpGrpc}`, credentials: credentials.createSsl(ca.cert, who.key ?? null, who.cert ?? null), timeoutMillis: REFUSED_TIMEOUT_MS }), 'mtls-refused')
        expect(grpcRefused.code).toBe(ExportResultCode.FAILED)
        const httpRefused = await send(new TracesHttp({ url: `https://${server.addresses.otlpHttp}/v1/traces`, httpAgentOptions: who, timeoutMillis: REFUSED_TIMEOUT_MS }), 'mtls-refused')
        expect(httpRefused.code).toBe(ExportResultCode.FAILED)
        await expect(https(server.addresses.http, '/healthz', who)).rejects.toThrow()
      }
      expect(await spanCount(server, 'mtls-refused', withCert)).toBe(0)
    } finally {
      await server.close()
    }
  })

  it('blazedb serve re-reads the files on SIGHUP and keeps running', async () => {
    const certFile = join(root, 'process-served.crt')
    const keyFile = join(root, 'process-served.key')
    copyFileSync(server1.certFile, certFile)
    copyFileSync(server1.keyFile, keyFile)
    const server = await startServerProcess(join(root, 'process-data'), { BLAZEDB_TLS_CERT_FILE: certFile, BLAZEDB_TLS_KEY_FILE: keyFile })
    try {
      expect(await servedName(server.http)).toBe('server-1')
      copyFileSync(server2.certFile, certFile)
      copyFileSync(server2.keyFile, keyFile)
      server.child.kill('SIGHUP')
      await waitFor('a reload after SIGHUP', () => {
        if (!server.lines.includes('blazedb: TLS certificate reloaded; new connections use it')) throw new Error(`no reload yet:\n${server.lines.join('\n')}`)
        return true
      }, 30_000, 50)
      expect(server.child.exitCode).toBeNull()
      for (const address of [server.http, server.otlpHttp, server.otlpGrpc]) expect(await servedName(address)).toBe('server-2')
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })
})
