/**
 * @module test/support/query-client
 * Queries a running server over its HTTP API, as a client outside the process would.
 */

/**
 * POSTs `text` to `/api/v1/query` of `http` (host:port) and returns the rows; any status but
 * 200 throws with the answer's body.
 * @example
 * expect(await queryRows(server.http, 'spans | stats count()')).toEqual([[3]])
 */
export async function queryRows(http: string, text: string): Promise<unknown[][]> {
  const res = await fetch(`http://${http}/api/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text }) })
  const body = (await res.json()) as { rows: unknown[][] }
  if (res.status !== 200) throw new Error(`cannot query ${text}: ${res.status} ${JSON.stringify(body)}`)
  return body.rows
}
