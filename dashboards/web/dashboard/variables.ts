/**
 * @module dashboards/web/dashboard/variables
 * Dashboard variables: each one's values are the first column of its query's rows (over the
 * page's time range); the chosen value lives in the URL as `var-<name>`, the first value
 * otherwise.
 */
import type { Variable } from '../../model/dashboard-model.ts'
import { MAX_VARIABLE_VALUES } from '../../limits.ts'
import { api } from '../api-client.ts'
import { h } from '../dom.ts'
import { setParams } from '../router.ts'
import type { ResolvedRange } from '../time-range.ts'

export interface VariableState {
  variable: Variable
  values: string[]
  /** The chosen value; undefined when the query gave none. */
  value?: string
  error?: string
}

export async function loadVariables(variables: readonly Variable[], params: URLSearchParams, range: ResolvedRange, signal: AbortSignal): Promise<VariableState[]> {
  return Promise.all(
    variables.map(async (variable): Promise<VariableState> => {
      try {
        const result = await api.query(variable.query, range, signal)
        const values = [...new Set(result.rows.map((r) => (r[0] === null || r[0] === undefined ? '' : String(r[0]))))].filter((v) => v !== '').slice(0, MAX_VARIABLE_VALUES)
        const asked = params.get(`var-${variable.name}`)
        return { variable, values, value: asked !== null && values.includes(asked) ? asked : (asked ?? values[0]) }
      } catch (error) {
        return { variable, values: [], error: `cannot load the values of $${variable.name}: ${(error as Error).message}` }
      }
    }),
  )
}

/** The variable pickers; a choice is a history entry. */
export function variableBar(states: readonly VariableState[]): HTMLElement {
  return h(
    'div',
    { class: 'var-bar' },
    states.map((s) => {
      const select = h(
        'select',
        { class: 'input', attrs: { 'aria-label': s.variable.label ?? s.variable.name, 'data-variable': s.variable.name }, on: { change: () => setParams({ [`var-${s.variable.name}`]: select.value }, true) } },
        s.values.map((v) => h('option', { attrs: { value: v } }, v)),
      )
      if (s.value !== undefined) select.value = s.value
      return h('label', { class: 'var' }, s.variable.label ?? `$${s.variable.name}`, s.error ? h('span', { class: 'error-text' }, s.error) : select)
    }),
  )
}

export function variableValues(states: readonly VariableState[]): Record<string, string | undefined> {
  return Object.fromEntries(states.map((s) => [s.variable.name, s.value]))
}
