/**
 * BufferCeiling's policy, with the thread's buffers given by the test: a check every so many
 * bytes decoded, a collection only past the allowance over what the thread keeps on purpose
 * (its cache's budget, or what survived its last collection).
 * And that the collections it runs in a real worker thread give back the buffers of chunks:
 * full ones past the ceiling, young-generation ones at the blocks a scan is past.
 */
import { Worker } from 'node:worker_threads'
import { expect, test } from 'vitest'
import { BufferCeiling } from './shared-memory-gc.ts'

const MiB = 2 ** 20

test('collects only when a check is due and the buffers pass the allowance over what the thread keeps', () => {
  let buffers = 0
  let collections = 0
  let kept = 100
  // What a collection leaves alive.
  let alive = 0
  const ceiling = new BufferCeiling(
    () => kept * MiB,
    32 * MiB,
    8 * MiB,
    () => {
      collections++
      buffers = alive
    },
    () => buffers,
  )
  /** The collections run after the thread decoded 8 MiB more, holding `mib` of buffers then. */
  const at = (mib: number): number => {
    buffers = mib * MiB
    ceiling.decoded(8 * MiB)
    return collections
  }
  buffers = 200 * MiB
  // The check is due only after 8 MiB decoded.
  ceiling.decoded(7 * MiB)
  expect(collections).toBe(0)
  ceiling.decoded(1 * MiB)
  expect(collections).toBe(1)
  // Within the allowance over the cache's chunks: nothing; past it, a collection.
  expect([at(8), at(130), at(133)]).toEqual([1, 1, 2])
  // An operator's 300 MiB survive the collection (seen at the next check, less what was decoded
  // since): the next collection comes only 32 MiB past them.
  expect([at(308), at(330)]).toEqual([2, 2])
  alive = 20 * MiB
  expect([at(340), buffers]).toEqual([3, 20 * MiB])
  expect(at(28)).toBe(3)
  // Fewer cached chunks lower the ceiling to the allowance over what survived.
  kept = 10
  expect([at(50), at(60), ceiling.collections]).toEqual([3, 4, 4])
})

/** Runs `source` (CommonJS) in a worker thread and returns the message it posts. */
async function inWorker<T>(source: string): Promise<T> {
  const worker = new Worker(source, { eval: true })
  try {
    return await new Promise<T>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
  } finally {
    await worker.terminate()
  }
}

const MODULE = JSON.stringify(new URL('./shared-memory-gc.ts', import.meta.url).pathname)

test('in a worker thread, the collection gives back the buffers of chunks it decoded and dropped', async () => {
  // A thread that drops a chunk of 4 MiB after each "scan", 64 of them, and reports its buffers at the end.
  const reply = await inWorker<{ buffers: number; collections: number }>(`
    const { parentPort } = require('node:worker_threads')
    const { BufferCeiling } = require(${MODULE})
    const ceiling = new BufferCeiling(() => 0, 32 * 2 ** 20, 8 * 2 ** 20)
    let kept = 0
    for (let i = 0; i < 64; i++) {
      const chunk = new SharedArrayBuffer(4 * 2 ** 20)
      new Uint8Array(chunk).fill(i)
      kept += new Uint8Array(chunk)[7]
      ceiling.decoded(chunk.byteLength)
    }
    parentPort.postMessage({ buffers: process.memoryUsage().arrayBuffers, collections: ceiling.collections, kept })
  `)
  expect(reply.collections).toBeGreaterThan(0)
  // 256 MiB decoded in all; at most the allowance, a check's worth and the last chunk alive.
  expect(reply.buffers).toBeLessThanOrEqual(48 * MiB)
})

test('a shrinking collection hands the emptied heap back, where a plain one keeps it', async () => {
  const run = (shrink: boolean) =>
    inWorker<{ grown: number; after: number }>(`
      const { parentPort } = require('node:worker_threads')
      const { fullCollection } = require(${MODULE})
      const collect = fullCollection(${shrink})
      let objects = []
      for (let i = 0; i < 1e6; i++) objects.push({ i, s: 'value ' + i })
      const grown = process.memoryUsage().heapTotal
      objects = undefined
      collect()
      parentPort.postMessage({ grown, after: process.memoryUsage().heapTotal })
    `)
  const plain = await run(false)
  const shrunk = await run(true)
  expect(plain.grown).toBeGreaterThan(80 * MiB)
  expect(plain.after).toBeGreaterThan(plain.grown / 3)
  expect(shrunk.after).toBeLessThan(16 * MiB)
})

test('young-generation collections at the blocks a scan is past give back the decoded buffers, with no full collection', async () => {
  // A thread that decodes a 4 MiB block 64 times and is past each before the next; no full collection.
  const run = (young: boolean) =>
    inWorker<{ peak: number; youngCollections: number }>(`
      const { parentPort } = require('node:worker_threads')
      const { BufferCeiling, youngCollection } = require(${MODULE})
      const ceiling = new BufferCeiling(() => 0, Infinity, 8 * 2 ** 20, undefined, undefined, { collect: ${young} ? youngCollection() : undefined, every: 8 * 2 ** 20 })
      let peak = 0
      let sum = 0
      for (let i = 0; i < 64; i++) {
        const block = new Float64Array(2 ** 19).fill(i)
        sum += block[7]
        ceiling.decoded(block.byteLength)
        peak = Math.max(peak, process.memoryUsage().arrayBuffers)
        ceiling.passed()
      }
      parentPort.postMessage({ peak, youngCollections: ceiling.youngCollections, sum })
    `)
  const scavenged = await run(true)
  const left = await run(false)
  expect(scavenged.youngCollections).toBe(32)
  // A few blocks (collections free buffers a little after they return): 256 MiB decoded in all;
  // left to V8, about 100 MiB pile up before its own full collection.
  expect(scavenged.peak).toBeLessThanOrEqual(32 * MiB)
  expect(left.peak).toBeGreaterThan(2 * scavenged.peak)
})
