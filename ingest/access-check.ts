/**
 * @module ingest/access-check
 * The tenant of an export request: the access component decides (a token with scope `ingest`,
 * or `admin`, which grants it); its refusals become the gateway's UNAUTHENTICATED (401 /
 * gRPC 16) and FORBIDDEN (403 / gRPC 7) answers.
 */
import { AccessError, fromAuthorization, type Access } from '../access/index.ts'
import { IngestError } from './errors.ts'

/** Throws IngestError UNAUTHENTICATED or FORBIDDEN when the request may not ingest. */
export async function ingestTenant(access: Access, authorization: string | undefined): Promise<string> {
  try {
    return (await access.authorize(fromAuthorization(authorization), 'ingest')).tenant
  } catch (error) {
    if (!(error instanceof AccessError)) throw error
    throw new IngestError(error.code === 'UNAUTHENTICATED' ? 'UNAUTHENTICATED' : 'FORBIDDEN', `cannot accept the request: ${error.reason}`, { cause: error })
  }
}
