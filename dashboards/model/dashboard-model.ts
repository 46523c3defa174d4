/**
 * @module dashboards/model/dashboard-model
 * A saved dashboard: panels on a 12-column grid, each one query, and variables whose values
 * come from a query. Pure data and validation, shared by the server (storage, API,
 * provisioning) and the browser (editing, rendering). The JSON form is what export gives and
 * import takes (dashboards/README.md, "Dashboard JSON").
 */
import { MAX_DASHBOARD_BYTES, MAX_PANELS, MAX_VARIABLES } from '../limits.ts'

export const PANEL_TYPES = ['timeseries', 'bar', 'stat', 'gauge', 'table', 'logs', 'traces'] as const
export type PanelType = (typeof PANEL_TYPES)[number]

export const PANEL_UNITS = ['', 'ns', 'ms', 's', 'bytes', 'percent', 'percentunit', 'rps'] as const
export type PanelUnit = (typeof PANEL_UNITS)[number]

/** Columns of the layout grid. */
export const GRID_COLUMNS = 12

export interface Threshold {
  /** From this value up, the colour applies. */
  value: number
  /** #rrggbb */
  color: string
}

export interface Panel {
  id: string
  title: string
  type: PanelType
  /** One query (query/LANGUAGE.md); `$name` is replaced by the variable's value, quoted. */
  query: string
  grid: { x: number; y: number; w: number; h: number }
  unit?: PanelUnit
  thresholds?: Threshold[]
  /** Draw this panel once per value of the named variable. */
  repeat?: string
  /** Gauge scale. */
  min?: number
  max?: number
}

export interface Variable {
  /** Used as `$name` in panel queries. */
  name: string
  label?: string
  /** Its values are the first column of this query's rows. */
  query: string
}

export interface Dashboard {
  id: string
  title: string
  description?: string
  /** The range shown when the URL names none, like {from: 'now-6h', to: 'now'}. */
  time?: { from: string; to: string }
  variables: Variable[]
  panels: Panel[]
}

export class DashboardValidationError extends Error {
  readonly path: string
  constructor(path: string, message: string) {
    super(`cannot accept dashboard: ${path}: ${message}`)
    this.name = 'DashboardValidationError'
    this.path = path
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/
const COLOR = /^#[0-9a-fA-F]{6}$/
const TIME_POINT = /^(now(-\d+[smhdw])?|\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d))$/

function fail(path: string, message: string): never {
  throw new DashboardValidationError(path, message)
}

function str(v: unknown, path: string, max: number, optional = false): string | undefined {
  if (v === undefined && optional) return undefined
  if (typeof v !== 'string') fail(path, `must be a string, got ${v === null ? 'null' : typeof v}`)
  if (v.length > max) fail(path, `must have at most ${max} characters, has ${v.length}`)
  return v
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`)
  return v
}

function num(v: unknown, path: string): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be a finite number, got ${JSON.stringify(v)}`)
  return v
}

function panel(v: unknown, path: string, variables: Set<string>): Panel {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object')
  const p = v as Record<string, unknown>
  const type = p.type as PanelType
  if (!PANEL_TYPES.includes(type)) fail(`${path}.type`, `must be one of ${PANEL_TYPES.join(', ')}, got ${JSON.stringify(p.type)}`)
  const g = (p.grid ?? {}) as Record<string, unknown>
  const w = int(g.w, `${path}.grid.w`, 1, GRID_COLUMNS)
  const grid = { x: int(g.x, `${path}.grid.x`, 0, GRID_COLUMNS - w), y: int(g.y, `${path}.grid.y`, 0, 10_000), w, h: int(g.h, `${path}.grid.h`, 1, 24) }
  const unit = p.unit === undefined ? undefined : (p.unit as PanelUnit)
  if (unit !== undefined && !PANEL_UNITS.includes(unit)) fail(`${path}.unit`, `must be one of ${PANEL_UNITS.map((u) => JSON.stringify(u)).join(', ')}`)
  let thresholds: Threshold[] | undefined
  if (p.thresholds !== undefined) {
    if (!Array.isArray(p.thresholds) || p.thresholds.length > 10) fail(`${path}.thresholds`, 'must be a list of at most 10 {value, color}')
    thresholds = p.thresholds.map((t: unknown, i) => {
      const tt = (t ?? {}) as Record<string, unknown>
      const color = str(tt.color, `${path}.thresholds[${i}].color`, 7)!
      if (!COLOR.test(color)) fail(`${path}.thresholds[${i}].color`, `must be a colour like #e02f44, got ${JSON.stringify(color)}`)
      return { value: num(tt.value, `${path}.thresholds[${i}].value`) ?? fail(`${path}.thresholds[${i}].value`, 'is missing'), color }
    })
  }
  const repeat = str(p.repeat, `${path}.repeat`, 64, true)
  if (repeat !== undefined && repeat !== '' && !variables.has(repeat)) fail(`${path}.repeat`, `names no variable of this dashboard: ${JSON.stringify(repeat)}`)
  const out: Panel = {
    id: str(p.id, `${path}.id`, 64)!,
    title: str(p.title, `${path}.title`, 200)!,
    type,
    query: str(p.query, `${path}.query`, 10_000)!,
    grid,
  }
  if (out.id === '') fail(`${path}.id`, 'must not be empty')
  if (unit !== undefined && unit !== '') out.unit = unit
  if (thresholds !== undefined && thresholds.length > 0) out.thresholds = thresholds.sort((a, b) => a.value - b.value)
  if (repeat !== undefined && repeat !== '') out.repeat = repeat
  const min = num(p.min, `${path}.min`)
  const max = num(p.max, `${path}.max`)
  if (min !== undefined) out.min = min
  if (max !== undefined) out.max = max
  return out
}

/**
 * Checks a dashboard's JSON and returns it normalised (unknown keys dropped, thresholds sorted).
 * Throws DashboardValidationError naming the path of the first mistake.
 * @example validateDashboard(JSON.parse(text))
 */
export function validateDashboard(value: unknown): Dashboard {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('dashboard', 'must be a JSON object')
  if (JSON.stringify(value).length > MAX_DASHBOARD_BYTES) fail('dashboard', `must be at most ${MAX_DASHBOARD_BYTES} bytes of JSON`)
  const d = value as Record<string, unknown>
  const title = str(d.title, 'title', 200)!
  if (title.trim() === '') fail('title', 'must not be empty')
  if (!Array.isArray(d.variables ?? [])) fail('variables', 'must be a list')
  const variables = ((d.variables ?? []) as unknown[]).map((v, i): Variable => {
    const vv = (v ?? {}) as Record<string, unknown>
    const name = str(vv.name, `variables[${i}].name`, 64)!
    if (!NAME.test(name)) fail(`variables[${i}].name`, `must be a name like service (letters, digits, _), got ${JSON.stringify(name)}`)
    const out: Variable = { name, query: str(vv.query, `variables[${i}].query`, 10_000)! }
    const label = str(vv.label, `variables[${i}].label`, 200, true)
    if (label) out.label = label
    return out
  })
  if (variables.length > MAX_VARIABLES) fail('variables', `must be at most ${MAX_VARIABLES}`)
  const names = new Set<string>()
  variables.forEach((v, i) => (names.has(v.name) ? fail(`variables[${i}].name`, `${v.name} is defined twice`) : names.add(v.name)))
  if (!Array.isArray(d.panels)) fail('panels', 'must be a list')
  if (d.panels.length > MAX_PANELS) fail('panels', `must be at most ${MAX_PANELS}, got ${d.panels.length}`)
  const panels = d.panels.map((p, i) => panel(p, `panels[${i}]`, names))
  const ids = new Set<string>()
  panels.forEach((p, i) => (ids.has(p.id) ? fail(`panels[${i}].id`, `${JSON.stringify(p.id)} is used twice`) : ids.add(p.id)))
  const out: Dashboard = { id: typeof d.id === 'string' ? d.id : '', title, variables, panels }
  const description = str(d.description, 'description', 2000, true)
  if (description) out.description = description
  if (d.time !== undefined) {
    const t = d.time as Record<string, unknown>
    const from = str(t?.from, 'time.from', 64)!
    const to = str(t?.to, 'time.to', 64)!
    if (!TIME_POINT.test(from)) fail('time.from', `must be now, now-6h or an RFC 3339 time, got ${JSON.stringify(from)}`)
    if (!TIME_POINT.test(to)) fail('time.to', `must be now, now-1h or an RFC 3339 time, got ${JSON.stringify(to)}`)
    out.time = { from, to }
  }
  return out
}

/**
 * A query literal for a variable's value: a double-quoted string with the language's escapes
 * (LANGUAGE.md, "Lexical structure"), so a value cannot end the string and change the query.
 */
export function quoteValue(value: string): string {
  let out = '"'
  for (const ch of value) {
    const code = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += '\\u' + code.toString(16).padStart(4, '0')
    else out += ch
  }
  return out + '"'
}

/** The query with each `$name` of `values` replaced by its quoted value; unknown names stay. */
export function substituteVariables(query: string, values: Record<string, string | undefined>): string {
  return query.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => {
    const v = values[name]
    return v === undefined ? whole : quoteValue(v)
  })
}
