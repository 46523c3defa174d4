/**
 * Top-k (`sort ... | limit k`, op-sort.ts) prunes each batch by the k-th best value of the
 * first key, the batch's own or the buffer's: its answer equals the first k rows of the full
 * sort, over batches of many sizes, with heavy ties on the first key, absent values and keys
 * in both directions, and with one batch holding the whole top.
 */
import { describe, expect, it } from 'vitest'
import { BatchBuilder, MemoryStore } from '../storage/index.ts'
import { runQuery } from './engine.ts'
import { seededRandom } from '../test/support/random-batch.ts'

const T = 1793491200000000000n

async function store(): Promise<MemoryStore> {
  const rand = seededRandom(42)
  const s = new MemoryStore()
  let id = 0
  for (const size of [3, 700, 1, 5000, 40, 2500, 12]) {
    const b = new BatchBuilder('spans')
    for (let row = 0; row < size; row++) {
      id++
      const span = new Uint8Array(8)
      new DataView(span.buffer).setUint32(4, id)
      const trace = new Uint8Array(16)
      trace[15] = 1
      b.setBytes('traceId', row, 16, trace)
      b.setBytes('spanId', row, 8, span)
      b.setStr('name', row, `op${Math.floor(rand() * 5)}`)
      b.setU32('kind', row, 2)
      const start = T + BigInt(Math.floor(rand() * 1e9))
      b.setI64('startTimeUnixNano', row, start)
      // The batch of 5000 holds the slowest spans, nearly all distinct, so that one batch holds the whole top.
      const duration = size === 5000 ? 100_000 + Math.floor(rand() * 1e7) : Math.floor(rand() * 50) * 1000
      b.setI64('endTimeUnixNano', row, start + BigInt(duration))
      b.setU32('statusCode', row, 0)
      b.setAttribute('r:service.name', row, 'svc')
      if (rand() < 0.7) b.setAttribute('a:n', row, Math.floor(rand() * 20))
    }
    await s.append('default', b.finish(size))
  }
  return s
}

describe('sort with limit', () => {
  for (const keys of ['duration desc, span_id', 'duration, span_id desc', 'attr.n desc, span_id', 'attr.n, name, span_id', 'duration % 7 desc, span_id']) {
    for (const k of [1, 10, 600]) {
      it(`sort ${keys} | limit ${k} is the head of the full sort`, async () => {
        const s = await store()
        const full = await runQuery(`spans | extend d = duration | sort ${keys} | select span_id, d`, { store: s, limits: { defaultRows: 10_000 } })
        const top = await runQuery(`spans | extend d = duration | sort ${keys} | limit ${k} | select span_id, d`, { store: s })
        expect(full.rows.length).toBe(8256)
        expect(top.rows).toEqual(full.rows.slice(0, k))
      })
    }
  }
})
