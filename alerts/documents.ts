/**
 * @module alerts/documents
 * The document store alerts keep their state, API rules and silences in: storage's encrypted,
 * durable DocumentStore (`store.documents`). Collections used here are named below.
 */

import type { DocumentStore } from '../storage/index.ts'

/** Storage's DocumentStore, as alerts use it. */
export type AlertDocuments = DocumentStore

/** Per rule: its RuleState (instances, health), id `<group>/<alert>`. */
export const STATE_COLLECTION = 'alert-state'
/** Per notification group and integration: what was last sent. */
export const NOTIFY_COLLECTION = 'alert-notify'
/** Rule groups made through the API, id the group name. */
export const RULES_COLLECTION = 'alert-rules'
/** Silences, id the silence id. */
export const SILENCES_COLLECTION = 'alert-silences'
