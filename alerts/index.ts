/**
 * @module alerts
 * Alert rules on BlazeDB's own data: rule files and API-made rule groups evaluated on a
 * schedule through the query service, a state machine per alert persisted in the document
 * store, history written as log records, and notifications to Alertmanager and to built-in
 * webhook, Slack and email receivers. See README.md. Other components import only this file.
 */
export { AlertService, type AlertServiceOptions } from './alert-service.ts'
export { createAlertsApi, type AlertsApiOptions } from './api.ts'
export { resolveAlertsConfig, type AlertsConfig, type ReceiverConfig, type RouteConfig } from './alerts-config.ts'
export type { AlertDocuments } from './documents.ts'
export { AlertError, type AlertErrorCode } from './errors.ts'
export type { QueryRunner } from './evaluator.ts'
export { HISTORY_SERVICE, type BatchSink } from './history.ts'
export { loadRuleFiles, parseRuleText } from './rule-file.ts'
export type { Rule, RuleGroup } from './rule-model.ts'
