/**
 * @module test/support/large-body-client
 * A client in a process of its own (as a real sender is: within one process, the server reads
 * the client's writes as they come and the race that loses answers does not show) that POSTs
 * `bytes` bytes in 64 KiB writes, chunked or with a Content-Length, and prints one JSON line:
 * `{status, connection, text}`, with `error` on any socket error, which fails an export as
 * it fails an SDK exporter's.
 * Usage: node large-body-client.ts <host:port> <path> <bytes> chunked|length
 */
import { request } from 'node:http'

const [address, path, bytes, mode] = process.argv.slice(2)
const total = Number(bytes)
const at = address.lastIndexOf(':')
const headers: Record<string, string> = { 'Content-Type': 'application/x-protobuf', ...(mode === 'chunked' ? {} : { 'Content-Length': String(total) }) }
const req = request({ host: address.slice(0, at), port: Number(address.slice(at + 1)), method: 'POST', path, headers })
// One line once both the answer is read and the body is sent (or failed): a write that fails
// after the answer came still loses the export for a client that sends before it reads.
const result: { status?: number; connection?: string; text?: string; error?: string } = {}
let pending = 2
const settle = (): void => {
  if (--pending === 0) process.stdout.write(`${JSON.stringify(result)}\n`)
}
req.on('response', (res) => {
  const chunks: Buffer[] = []
  res.on('data', (c: Buffer) => chunks.push(c))
  res.on('end', () => {
    Object.assign(result, { status: res.statusCode, connection: res.headers.connection, text: Buffer.concat(chunks).toString('utf8') })
    settle()
  })
})
req.on('finish', settle)
process.once('beforeExit', () => {
  if (pending > 0) process.stdout.write(`${JSON.stringify({ ...result, error: result.error ?? 'the connection ended without a complete answer' })}\n`)
})
req.on('error', (error: NodeJS.ErrnoException) => {
  result.error = `${error.code ?? ''} ${error.message}`
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
})
const chunk = Buffer.alloc(64 * 1024, 7)
let sent = 0
const write = (): void => {
  while (sent < total) {
    sent += chunk.length
    if (!req.write(chunk)) {
      req.once('drain', write)
      return
    }
  }
  req.end()
}
write()
