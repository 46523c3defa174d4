/**
 * @module alerts/limits
 * Every number of the alerts component, with its reason.
 */

/** Evaluation interval when a group names none: Prometheus' default `evaluation_interval`. */
export const DEFAULT_INTERVAL_MS = 60_000

/** Shortest interval accepted: below it a rule's query would run more often than it can usefully change. */
export const MIN_INTERVAL_MS = 100

/**
 * Time limit of one evaluation when a rule names none: at most the interval, and at most
 * 30 s (the query service's own limit), so that one slow rule skips its own ticks only.
 */
export const MAX_EVALUATION_TIMEOUT_MS = 30_000

/** Resolved alerts are still sent to Alertmanager for this long, as Prometheus does (15 min). */
export const RESOLVED_RETENTION_MS = 15 * 60_000

/** Firing alerts are sent again to Alertmanager at least this often (Prometheus' `--rules.alert.resend-delay`). */
export const DEFAULT_RESEND_DELAY_MS = 60_000

/**
 * endsAt of a firing alert sent to Alertmanager: this many times max(resend delay, interval)
 * after the evaluation, as Prometheus does, so that an alert whose source went away resolves itself.
 */
export const ENDS_AT_FACTOR = 4

/** Alertmanager defaults of a route (its configuration documentation). */
export const DEFAULT_GROUP_WAIT_MS = 30_000
export const DEFAULT_GROUP_INTERVAL_MS = 5 * 60_000
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3600_000

/** Time limit of one delivery attempt to a receiver or Alertmanager. */
export const DEFAULT_SEND_TIMEOUT_MS = 10_000

/** Delivery attempts per notification, then it is dropped (logged); the next group flush tries again. */
export const DEFAULT_SEND_ATTEMPTS = 5

/** First retry delay, doubled per attempt up to MAX_BACKOFF_MS. */
export const DEFAULT_BACKOFF_MS = 500
export const MAX_BACKOFF_MS = 30_000

/** Alert instances one rule may have: a query grouping by a high-cardinality key would flood receivers. */
export const MAX_INSTANCES_PER_RULE = 1_000

/** Rules one file may hold, and the size of one file. */
export const MAX_RULES_PER_FILE = 10_000
export const MAX_RULE_FILE_BYTES = 4 * 1024 * 1024

/** Rules created through the API per tenant. */
export const MAX_API_RULE_GROUPS = 1_000

/** Bytes of an API request body (a rule group, a silence). */
export const MAX_API_BODY_BYTES = 1024 * 1024

/**
 * Rules asking the same query of the same tenant over the same window within this long share
 * one run (shared-runner.ts): long enough to cover rules started at one offset, short enough
 * that a shared answer is at most this much older than the rule's own evaluation time.
 */
export const SHARED_QUERY_MS = 1_000
