/**
 * @module ingest/idempotency-key
 * The `Idempotency-Key` request header (IETF draft-ietf-httpapi-idempotency-key-header): a
 * client that retries an export request it could not see answered sends the same key, and the
 * records are stored once (storage's `AppendOptions.idempotencyKey`, per tenant, within its
 * window). The draft makes the value a Structured Field string (RFC 8941 §3.3.3, `"…"`);
 * a bare token is accepted too. OTLP/gRPC reads the same key from the `idempotency-key` metadata.
 */
import { limits as storageLimits } from '../storage/index.ts'
import { IngestError } from './errors.ts'

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'

/**
 * The key a request carries, or undefined when it has none.
 * Throws IngestError INVALID_HEADER for a value that is not a string of printable ASCII of 1 to
 * IDEMPOTENCY_KEY_MAX_BYTES characters (or sent twice).
 * @example parseIdempotencyKey('"tail:4a1f:0-4096"') // 'tail:4a1f:0-4096'
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined
  if (Array.isArray(header)) {
    if (header.length !== 1) throw new IngestError('INVALID_HEADER', `cannot use Idempotency-Key: sent ${header.length} times, expected once`)
    header = header[0]
  }
  let value = header.trim()
  if (value.startsWith('"')) {
    const m = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(value)
    if (m === null) throw invalid(value, 'not a valid quoted string')
    value = m[1].replace(/\\(["\\])/g, '$1')
  } else if (!/^[\x21-\x7e]*$/.test(value)) throw invalid(value, 'not printable ASCII')
  const max = storageLimits.IDEMPOTENCY_KEY_MAX_BYTES
  if (value.length === 0 || value.length > max) throw invalid(value, `${value.length} characters, expected 1 to ${max}`)
  return value
}

function invalid(value: string, reason: string): IngestError {
  return new IngestError('INVALID_HEADER', `cannot use Idempotency-Key ${JSON.stringify(value.slice(0, 80))}: ${reason}`)
}
