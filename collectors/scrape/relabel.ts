/**
 * @module collectors/scrape/relabel
 * Relabelling of target labels before a scrape, with Prometheus's semantics
 * (https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config):
 * regexes are anchored at both ends, `sourceLabels` values are joined by `separator`, and a
 * label set to the empty string is removed. Actions: replace, keep, drop, labelmap, labeldrop,
 * labelkeep, lowercase, uppercase. A target whose rule says drop is not scraped.
 */
export type RelabelAction = 'replace' | 'keep' | 'drop' | 'labelmap' | 'labeldrop' | 'labelkeep' | 'lowercase' | 'uppercase'

export const RELABEL_ACTIONS: readonly RelabelAction[] = ['replace', 'keep', 'drop', 'labelmap', 'labeldrop', 'labelkeep', 'lowercase', 'uppercase']

/** What users write (Prometheus's relabel_config in camelCase). */
export interface RelabelConfig {
  sourceLabels?: string[]
  separator?: string
  regex?: string
  targetLabel?: string
  replacement?: string
  action?: RelabelAction
}

export interface RelabelRule {
  sourceLabels: string[]
  separator: string
  regex: RegExp
  targetLabel: string
  replacement: string
  action: RelabelAction
}

/** Compiles a rule; throws a SyntaxError for a bad regex (the config validation names the field). */
export function compileRelabel(c: RelabelConfig): RelabelRule {
  return {
    sourceLabels: c.sourceLabels ?? [],
    separator: c.separator ?? ';',
    regex: new RegExp(`^(?:${c.regex ?? '(.*)'})$`),
    targetLabel: c.targetLabel ?? '',
    // Prometheus writes ${1} and ${name}; JavaScript's replace wants $1 and $<name>.
    replacement: (c.replacement ?? '$1').replace(/\$\{(\d+)\}/g, '$$$1').replace(/\$\{(\w+)\}/g, '$$<$1>'),
    action: c.action ?? 'replace',
  }
}

/** Applies the rules in order; returns the new labels, or undefined when the target is dropped. */
export function relabel(labels: Readonly<Record<string, string>>, rules: readonly RelabelRule[]): Record<string, string> | undefined {
  const out: Record<string, string> = { ...labels }
  for (const rule of rules) {
    const value = rule.sourceLabels.map((l) => out[l] ?? '').join(rule.separator)
    switch (rule.action) {
      case 'replace': {
        if (!rule.regex.test(value)) break
        const target = value.replace(rule.regex, rule.replacement)
        const name = rule.targetLabel.replace(/\$(\d+)/g, (_, d: string) => rule.regex.exec(value)?.[Number(d)] ?? '')
        if (target === '') delete out[name]
        else out[name] = target
        break
      }
      case 'keep':
        if (!rule.regex.test(value)) return undefined
        break
      case 'drop':
        if (rule.regex.test(value)) return undefined
        break
      case 'labelmap':
        for (const [k, v] of Object.entries(out)) if (rule.regex.test(k)) out[k.replace(rule.regex, rule.replacement)] = v
        break
      case 'labeldrop':
        for (const k of Object.keys(out)) if (rule.regex.test(k)) delete out[k]
        break
      case 'labelkeep':
        for (const k of Object.keys(out)) if (!rule.regex.test(k)) delete out[k]
        break
      case 'lowercase':
        out[rule.targetLabel] = value.toLowerCase()
        break
      case 'uppercase':
        out[rule.targetLabel] = value.toUpperCase()
        break
      default:
        throw new TypeError(`unknown relabel action ${String(rule.action satisfies never)}`)
    }
  }
  return out
}
