/**
 * @module collectors/scrape/exposition-parser
 * Parses what a Prometheus target answers on /metrics: the text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/) and OpenMetrics 1.0
 * (https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md).
 * The differences that matter here: OpenMetrics timestamps are seconds (text: milliseconds),
 * it has `# UNIT` and ends with `# EOF`, and samples may carry an exemplar after ` # `
 * (ignored). Throws CollectorError MALFORMED naming the line.
 */
import { CollectorError } from '../errors.ts'
import type { PromFamilyInfo, PromMetricType } from '../prom-metric-kind.ts'

export type ExpositionFormat = 'text' | 'openmetrics'

export interface ScrapedSample {
  name: string
  labels: [string, string][]
  value: number
  /** Milliseconds since the epoch, when the target gave one. */
  timestampMs?: number
}

export interface Exposition {
  samples: ScrapedSample[]
  families: Map<string, PromFamilyInfo>
}

const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown', 'untyped'])
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/

function fail(line: number, reason: string): never {
  throw new CollectorError('MALFORMED', `cannot parse the exposition: line ${line}: ${reason}`)
}

function parseValue(text: string, line: number): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
    case '+inf':
      return Infinity
    case '-Inf':
    case '-inf':
      return -Infinity
    case 'NaN':
      return NaN
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(line, `expected a number, got ${JSON.stringify(text)}`)
  return Number(text)
}

/** Unescapes a label value or HELP text: `\\`, `\"` (label values only) and `\n`. */
function unescape(text: string): string {
  return text.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c))
}

function family(families: Map<string, PromFamilyInfo>, name: string): PromFamilyInfo {
  let f = families.get(name)
  if (f === undefined) {
    f = { type: 'unknown', help: '', unit: '' }
    families.set(name, f)
  }
  return f
}

/**
 * Parses one exposition.
 * @example parseExposition('# TYPE up gauge\nup{job="a"} 1\n', 'text').samples // [{ name: 'up', labels: [['job', 'a']], value: 1 }]
 */
export function parseExposition(body: string, format: ExpositionFormat): Exposition {
  const out: Exposition = { samples: [], families: new Map() }
  const lines = body.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1
    const line = format === 'text' ? lines[i].trim() : lines[i]
    if (line === '') continue
    if (line.startsWith('#')) {
      if (format === 'openmetrics' && line === '# EOF') break
      const m = /^#\s*(HELP|TYPE|UNIT)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s(.*))?$/.exec(line)
      if (m === null) continue // a comment
      const [, keyword, name, rest = ''] = m
      const f = family(out.families, name)
      if (keyword === 'HELP') f.help = unescape(rest)
      else if (keyword === 'UNIT') f.unit = rest.trim()
      else {
        const type = rest.trim()
        if (!TYPES.has(type)) fail(n, `unknown metric type ${JSON.stringify(type)}`)
        f.type = (type === 'untyped' ? 'unknown' : type) as PromMetricType
      }
      continue
    }
    out.samples.push(parseSample(line, n, format))
  }
  return out
}

function parseSample(line: string, n: number, format: ExpositionFormat): ScrapedSample {
  const nameMatch = NAME.exec(line)
  if (nameMatch === null) fail(n, `expected a metric name, got ${JSON.stringify(line.slice(0, 40))}`)
  const name = nameMatch[0]
  let pos = name.length
  const labels: [string, string][] = []
  if (line[pos] === '{') {
    pos++
    for (;;) {
      while (line[pos] === ' ' || line[pos] === '\t') pos++
      if (line[pos] === '}') {
        pos++
        break
      }
      const key = NAME.exec(line.slice(pos))
      if (key === null) fail(n, `expected a label name at column ${pos + 1}`)
      pos += key[0].length
      while (line[pos] === ' ') pos++
      if (line[pos] !== '=' || line[pos + 1] !== '"') fail(n, `expected ="value" after label ${key[0]}`)
      pos += 2
      let value = ''
      let closed = false
      while (pos < line.length) {
        const c = line[pos++]
        if (c === '\\') {
          const next = line[pos++]
          value += next === 'n' ? '\n' : next
        } else if (c === '"') {
          closed = true
          break
        } else value += c
      }
      if (!closed) fail(n, `unterminated value of label ${key[0]}`)
      if (labels.some(([k]) => k === key[0])) fail(n, `label ${key[0]} appears twice`)
      labels.push([key[0], value])
      while (line[pos] === ' ') pos++
      if (line[pos] === ',') pos++
      else if (line[pos] !== '}') fail(n, `expected , or } after the value of label ${key[0]}`)
    }
  }
  let rest = line.slice(pos)
  if (format === 'openmetrics') {
    const exemplar = rest.indexOf(' # ')
    if (exemplar >= 0) rest = rest.slice(0, exemplar)
  }
  const fields = rest.trim().split(/\s+/)
  if (fields.length < 1 || fields[0] === '' || fields.length > 2) fail(n, `expected a value and an optional timestamp after ${name}`)
  const sample: ScrapedSample = { name, labels, value: parseValue(fields[0], n) }
  if (fields.length === 2) {
    const t = Number(fields[1])
    if (!Number.isFinite(t)) fail(n, `expected a timestamp, got ${JSON.stringify(fields[1])}`)
    sample.timestampMs = format === 'openmetrics' ? Math.round(t * 1000) : Math.trunc(t)
  }
  return sample
}
