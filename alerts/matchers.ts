/**
 * @module alerts/matchers
 * Label matchers as Alertmanager writes them (routes and silences): `name="value"`,
 * `name!="value"`, `name=~"regex"`, `name!~"regex"`; regular expressions match the whole value.
 * A label the alert lacks has the empty value.
 */

export interface Matcher {
  readonly name: string
  readonly op: '=' | '!=' | '=~' | '!~'
  readonly value: string
  readonly regex?: RegExp
}

/** The matcher `text` means, or a message saying what is wrong. */
export function parseMatcher(text: unknown): Matcher | string {
  if (typeof text !== 'string') return `expected a matcher like severity="page", got ${JSON.stringify(text)}`
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/.exec(text)
  if (m === null) return `expected name="value", name!="value", name=~"regex" or name!~"regex", got ${JSON.stringify(text)}`
  const op = m[2] as Matcher['op']
  const value = m[3] !== undefined ? (JSON.parse(`"${m[3]}"`) as string) : m[4]
  if (op === '=~' || op === '!~') {
    try {
      return { name: m[1], op, value, regex: new RegExp(`^(?:${value})$`) }
    } catch (error) {
      return `cannot compile regular expression ${JSON.stringify(value)}: ${(error as Error).message}`
    }
  }
  return { name: m[1], op, value }
}

export function matches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? ''
    switch (m.op) {
      case '=':
        return v === m.value
      case '!=':
        return v !== m.value
      case '=~':
        return m.regex!.test(v)
      case '!~':
        return !m.regex!.test(v)
      default:
        throw new Error(`unhandled matcher op ${String(m.op satisfies never)}`)
    }
  })
}

export function printMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`
}
