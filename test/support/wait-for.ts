/**
 * @module test/support/wait-for
 * Polling with a deadline, the one way tests wait for a condition (never a bare sleep).
 */

/**
 * Polls `check` until it returns something other than `undefined` or `false`, and resolves to
 * that; a check that throws counts as not yet (the last error is in the timeout message).
 * @example
 * await waitFor('the webhook', () => receiver.received.length > 0)
 */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 25): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
