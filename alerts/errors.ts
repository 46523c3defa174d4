/**
 * @module alerts/errors
 * The one error type of the alerts component. `code` is stable; messages may change.
 */

export type AlertErrorCode =
  /** A rule file or rule group is not valid: the message names the file, group, rule and place. */
  | 'INVALID_RULE'
  /** The alerts configuration (receivers, routes, Alertmanagers) is not valid. */
  | 'INVALID_CONFIG'
  /** A silence is not valid. */
  | 'INVALID_SILENCE'
  /** A rule file cannot be read. */
  | 'READ_FAILED'
  /** A receiver or Alertmanager did not take a notification. */
  | 'SEND_FAILED'
  /** Something asked for does not exist. */
  | 'NOT_FOUND'

export interface AlertErrorOptions extends ErrorOptions {
  file?: string
  group?: string
  rule?: string
  /** 1-based place in the file. */
  line?: number
  column?: number
}

export class AlertError extends Error {
  readonly code: AlertErrorCode
  readonly file?: string
  readonly group?: string
  readonly rule?: string
  readonly line?: number
  readonly column?: number

  constructor(code: AlertErrorCode, message: string, options: AlertErrorOptions = {}) {
    super(message, options)
    this.name = 'AlertError'
    this.code = code
    this.file = options.file
    this.group = options.group
    this.rule = options.rule
    this.line = options.line
    this.column = options.column
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, file: this.file, group: this.group, rule: this.rule, line: this.line, column: this.column }
  }
}
