/**
 * @module collectors/self/prom-text-writer
 * Writes metric families in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */

export interface PromFamily {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  samples: { suffix?: string; labels?: Record<string, string>; value: number }[]
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

/** The exposition of `families`, in order; a family without samples is left out. */
export function writePromText(families: readonly PromFamily[]): string {
  let out = ''
  for (const f of families) {
    if (f.samples.length === 0) continue
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} ${f.type}\n`
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {})
      const text = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
      out += `${f.name}${s.suffix ?? ''}${text} ${formatValue(s.value)}\n`
    }
  }
  return out
}
