/**
 * @module access/token-store
 * Tokens made at run time, kept in the data directory's document store (encrypted with the
 * data key, each write durable). Only the SHA-256 of a token is kept, as the document's id:
 * the secret exists once, in the answer that created it. All tokens live under one reserved
 * tenant name, which no configured tenant can take (it is not a valid tenant name), so that
 * they are loaded in one list at start whatever the tenants.
 */
import type { DocumentStore } from '../storage/index.ts'
import type { TokenInfo } from './token.ts'

/** The document store tenant holding every run-time token ("@" is not valid in tenant names). */
export const TOKENS_TENANT = '@access'
export const TOKENS_COLLECTION = 'tokens'

export interface StoredToken {
  /** SHA-256 of the secret, hex; also the document id. */
  digest: string
  info: TokenInfo
}

export class TokenStore {
  private readonly documents: DocumentStore

  constructor(documents: DocumentStore) {
    this.documents = documents
  }

  async all(): Promise<StoredToken[]> {
    const docs = await this.documents.list<TokenInfo>(TOKENS_TENANT, TOKENS_COLLECTION)
    return docs.map((d) => ({ digest: d.id, info: d.value }))
  }

  put(token: StoredToken): Promise<void> {
    return this.documents.put(TOKENS_TENANT, TOKENS_COLLECTION, token.digest, token.info)
  }

  delete(digest: string): Promise<boolean> {
    return this.documents.delete(TOKENS_TENANT, TOKENS_COLLECTION, digest)
  }
}
