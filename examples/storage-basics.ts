/**
 * Open an encrypted BlazeDB data directory, write a few spans, read them back.
 * Run: node examples/storage-basics.ts [DATA_DIR]
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BatchBuilder, bytesToHex, cellValue, openEngine } from '../storage/index.ts'

const dataDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'blazedb-example-'))
const engine = await openEngine({ dataDir, password: 'example password' })

// Three spans of one trace, built column by column.
const spans = new BatchBuilder('spans')
const traceId = Uint8Array.from({ length: 16 }, (_, i) => i + 1)
const now = BigInt(Date.now()) * 1_000_000n
;['GET /cart', 'SELECT carts', 'GET /prices'].forEach((name, row) => {
  spans.setBytes('traceId', row, 16, traceId)
  spans.setBytes('spanId', row, 8, Uint8Array.from({ length: 8 }, () => row + 1))
  spans.setStr('name', row, name)
  spans.setI64('startTimeUnixNano', row, now + BigInt(row) * 1_000_000n)
  spans.setI64('endTimeUnixNano', row, now + BigInt(row + 5) * 1_000_000n)
  spans.setStr('r:service.name', row, 'cart-service')
  spans.setAttribute('a:http.response.status_code', row, 200n)
})
await engine.append('default', spans.finish(3)) // durable once this resolves

for await (const batch of engine.scan({ tenant: 'default', signal: 'spans', columns: ['name', 'startTimeUnixNano'] })) {
  for (let row = 0; row < batch.length; row++) console.log(cellValue(batch.columns.name, row), cellValue(batch.columns.startTimeUnixNano, row))
}
const trace = await engine.getTrace('default', traceId)
console.log(`trace ${bytesToHex(traceId)} has ${trace.length} spans`)
await engine.close()
