/**
 * @module test/support/otlp-answers
 * Reading the gateway's answers in tests: the partial success of an Export*ServiceResponse in
 * protobuf or JSON, and a raw gRPC call to an Export method.
 */
import * as grpc from '@grpc/grpc-js'

export interface Partial {
  rejected: number
  message: string
}

function varint(bytes: Uint8Array, at: { pos: number }): number {
  let n = 0
  let shift = 1
  for (;;) {
    const b = bytes[at.pos++]
    n += (b & 127) * shift
    if (b < 128) return n
    shift *= 128
  }
}

/** The partial_success of a protobuf Export*ServiceResponse (zeros when absent). */
export function partialFromProtobuf(body: Uint8Array): Partial {
  const out = { rejected: 0, message: '' }
  const at = { pos: 0 }
  while (at.pos < body.length) {
    const tag = varint(body, at)
    const len = varint(body, at)
    const end = at.pos + len
    if (tag === ((1 << 3) | 2)) {
      while (at.pos < end) {
        const t = varint(body, at)
        if (t === 1 << 3) out.rejected = varint(body, at)
        else if (t === ((2 << 3) | 2)) {
          const n = varint(body, at)
          out.message = Buffer.from(body.subarray(at.pos, at.pos + n)).toString('utf8')
          at.pos += n
        } else throw new Error(`unexpected tag ${t} in partial_success`)
      }
    }
    at.pos = end
  }
  return out
}

/** The partialSuccess of a JSON Export*ServiceResponse (zeros when absent). */
export function partialFromJson(text: string): Partial {
  const p = (JSON.parse(text) as { partialSuccess?: Record<string, string> }).partialSuccess
  if (p === undefined) return { rejected: 0, message: '' }
  const count = p.rejectedSpans ?? p.rejectedDataPoints ?? p.rejectedLogRecords ?? '0'
  return { rejected: Number(count), message: p.errorMessage ?? '' }
}

const identity = (b: Buffer) => b

/** One unary call of `path` with `body`, on a fresh client closed afterwards. */
export function grpcExport(address: string, path: string, body: Uint8Array): Promise<{ error: grpc.ServiceError | null; response?: Buffer }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure())
  return new Promise<{ error: grpc.ServiceError | null; response?: Buffer }>((resolve) => {
    client.makeUnaryRequest(path, identity, identity, Buffer.from(body), new grpc.Metadata(), (error, response) => resolve({ error, response }))
  }).finally(() => client.close())
}
