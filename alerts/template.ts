/**
 * @module alerts/template
 * Label and annotation templates: `{{ $labels.<name> }}`, `{{ $value }}`, `{{ $rule }}`,
 * `{{ $group }}` and `{{ $link }}` (the rule's query in the web UI). Nothing else: a template is
 * text with holes, not a program, so a rule file cannot run code or loop.
 */

export interface TemplateData {
  labels: Readonly<Record<string, string>>
  value: unknown
  rule: string
  group: string
  link: string
}

const HOLE = /\{\{\s*([^}]*?)\s*\}\}/g
const NAMES = /^\$(value|rule|group|link)$|^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/

/** Undefined when every hole of `text` is known, else a message naming the first unknown one. */
export function checkTemplate(text: string): string | undefined {
  for (const m of text.matchAll(HOLE)) {
    if (!NAMES.test(m[1])) return `cannot use {{ ${m[1]} }}: a template knows {{ $labels.<name> }}, {{ $value }}, {{ $rule }}, {{ $group }} and {{ $link }}`
  }
  return undefined
}

/**
 * Fills the holes of a checked template; a label the alert lacks is empty, as in Prometheus.
 * @example expandTemplate('{{ $labels.service }} p99 is {{ $value }}', data) // "checkout p99 is 612000000"
 */
export function expandTemplate(text: string, data: TemplateData): string {
  return text.replace(HOLE, (_all, name: string) => {
    const m = NAMES.exec(name)
    if (m === null) return ''
    if (m[2] !== undefined) return data.labels[m[2]] ?? ''
    switch (m[1]) {
      case 'value':
        return formatValue(data.value)
      case 'rule':
        return data.rule
      case 'group':
        return data.group
      case 'link':
        return data.link
      default:
        return ''
    }
  })
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6)
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** A label name Alertmanager accepts: `service.name` becomes `service_name`. */
export function labelName(column: string): string {
  const name = column.replace(/[^A-Za-z0-9_]/g, '_')
  return /^[0-9]/.test(name) ? `_${name}` : name
}
