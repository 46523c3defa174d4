/**
 * @module alerts/alertmanager-client
 * Sends alerts to Alertmanager as Prometheus does (notifier/notifier.go): `POST /api/v2/alerts`
 * with a JSON list of {labels, annotations, startsAt, endsAt, generatorURL}, to every configured
 * Alertmanager at once. A firing alert's endsAt lies a few resend periods ahead, so that
 * Alertmanager resolves it by itself if BlazeDB stops sending; a resolved one's is its
 * resolution time. Alertmanager does routing, grouping, silences and deduplication itself.
 * https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml (postAlerts)
 */

export interface PostableAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  startsAt: string
  endsAt: string
  generatorURL: string
}

export interface AlertmanagerTarget {
  url: string
  timeoutMs: number
}

/**
 * Posts `alerts` to every target in parallel; resolves when all answered or timed out, with
 * one message per failure (the caller logs them; the next evaluation sends again).
 */
export async function postToAlertmanagers(targets: readonly AlertmanagerTarget[], alerts: readonly PostableAlert[]): Promise<string[]> {
  if (alerts.length === 0 || targets.length === 0) return []
  const body = JSON.stringify(alerts)
  const results = await Promise.allSettled(
    targets.map(async (t) => {
      const response = await fetch(`${t.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(t.timeoutMs) })
      const text = await response.text().catch(() => '')
      if (!response.ok) throw new Error(`HTTP ${response.status} ${text.slice(0, 200)}`)
    }),
  )
  return results.flatMap((r, i) => (r.status === 'rejected' ? [`cannot send alerts to Alertmanager ${targets[i].url}: ${(r.reason as Error).message}`] : []))
}
