/**
 * @module dashboards/errors
 * The one error type of the dashboards component, with a stable code and an HTTP status.
 */

export type DashboardsErrorCode = 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'READ_ONLY' | 'BUNDLE_FAILED'

const STATUS: Record<DashboardsErrorCode, 400 | 404 | 409 | 500> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  READ_ONLY: 409,
  BUNDLE_FAILED: 500,
}

export class DashboardsError extends Error {
  readonly code: DashboardsErrorCode
  constructor(code: DashboardsErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'DashboardsError'
    this.code = code
  }

  get status(): 400 | 404 | 409 | 500 {
    return STATUS[this.code]
  }
}
