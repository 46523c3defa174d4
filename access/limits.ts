/**
 * @module access/limits
 * The numbers of the access component, with their reasons.
 */

/** Shortest configured token: shorter ones are guessable by trying. */
export const MIN_TOKEN_LENGTH = 8

/** Random bytes in a token made at run time: 256 bits, as a data key, so never guessed. */
export const GENERATED_TOKEN_BYTES = 32

/** Prefix of tokens made at run time, so a leaked one is recognised by secret scanners. */
export const GENERATED_TOKEN_PREFIX = 'bzt_'

/** Random bytes of a token's public id (what lists show and revocation names). */
export const TOKEN_ID_BYTES = 8

/** Longest token name, in characters: a label for people, not data. */
export const MAX_TOKEN_NAME_LENGTH = 200

/** Most query texts an embed token may carry: one dashboard's panels. */
export const MAX_RESTRICTED_QUERIES = 200
