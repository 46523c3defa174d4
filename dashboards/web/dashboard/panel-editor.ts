/**
 * @module dashboards/web/dashboard/panel-editor
 * The dialog that edits one panel: title, type, query (the highlighted editor with completion),
 * unit, thresholds, repeat, gauge scale. Apply checks the fields and hands back a new panel;
 * the dashboard is saved separately.
 */
import { PANEL_TYPES, PANEL_UNITS, type Panel, type PanelType, type PanelUnit, type Variable } from '../../model/dashboard-model.ts'
import { h, replace } from '../dom.ts'
import { UNITS } from '../format.ts'
import { attachCompletion } from '../query-complete.ts'
import { createQueryEditor } from '../query-editor.ts'
import type { ResolvedRange } from '../time-range.ts'
import { PANEL_KINDS } from './panel-kinds.ts'
import { formatThresholds, parseThresholds } from './thresholds.ts'

export function openPanelEditor(panel: Panel, variables: readonly Variable[], range: ResolvedRange, apply: (panel: Panel) => void): void {
  const title = h('input', { class: 'input', attrs: { name: 'title', required: true, maxlength: 200 }, props: { value: panel.title } })
  const type = h('select', { class: 'input', attrs: { name: 'type' } }, PANEL_TYPES.map((t) => h('option', { attrs: { value: t } }, PANEL_KINDS[t].label)))
  type.value = panel.type
  const editor = createQueryEditor({ onRun: () => form.requestSubmit(), label: 'Panel query' })
  editor.setValue(panel.query)
  const detach = attachCompletion(editor, () => range)
  const unit = h('select', { class: 'input', attrs: { name: 'unit' } }, UNITS.filter((u) => (PANEL_UNITS as readonly string[]).includes(u.value)).map((u) => h('option', { attrs: { value: u.value } }, u.label)))
  unit.value = panel.unit ?? ''
  const thresholds = h('input', { class: 'input', attrs: { name: 'thresholds', placeholder: '80 #f59e0b, 95 #e02f44', spellcheck: 'false' }, props: { value: formatThresholds(panel.thresholds) } })
  const repeat = h('select', { class: 'input', attrs: { name: 'repeat' } }, h('option', { attrs: { value: '' } }, 'no repeat'), variables.map((v) => h('option', { attrs: { value: v.name } }, `each $${v.name}`)))
  repeat.value = panel.repeat ?? ''
  const min = h('input', { class: 'input', attrs: { name: 'min', type: 'number', step: 'any' }, props: { value: panel.min === undefined ? '' : String(panel.min) } })
  const max = h('input', { class: 'input', attrs: { name: 'max', type: 'number', step: 'any' }, props: { value: panel.max === undefined ? '' : String(panel.max) } })
  const error = h('div', { class: 'error-text', attrs: { role: 'alert' } })
  const dialog = h('dialog', { class: 'dialog wide', attrs: { 'aria-label': 'Edit panel' } })
  const form = h(
    'form',
    {
      class: 'dialog-form',
      on: {
        submit: (e) => {
          e.preventDefault()
          const parsed = parseThresholds(thresholds.value)
          if (parsed instanceof Error) return replace(error, parsed.message)
          if (title.value.trim() === '') return replace(error, 'cannot apply: the title is empty')
          if (editor.value().trim() === '') return replace(error, 'cannot apply: the query is empty')
          const next: Panel = { id: panel.id, title: title.value.trim(), type: type.value as PanelType, query: editor.value().trim(), grid: { ...panel.grid } }
          if (unit.value !== '') next.unit = unit.value as PanelUnit
          if (parsed.length > 0) next.thresholds = parsed
          if (repeat.value !== '') next.repeat = repeat.value
          if (min.value !== '') next.min = Number(min.value)
          if (max.value !== '') next.max = Number(max.value)
          dialog.close()
          apply(next)
        },
      },
    },
    h('h2', null, 'Edit panel'),
    h('div', { class: 'form-row' }, h('label', { class: 'grow' }, 'Title', title), h('label', null, 'Type', type)),
    h('label', null, 'Query (use $name for a variable)', editor.el),
    h('div', { class: 'form-row' }, h('label', null, 'Unit', unit), h('label', { class: 'grow' }, 'Thresholds (value and colour)', thresholds), h('label', null, 'Repeat', repeat)),
    h('div', { class: 'form-row' }, h('label', null, 'Gauge min', min), h('label', null, 'Gauge max', max)),
    error,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => dialog.close() } }, 'Cancel'),
      h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Apply'),
    ),
  )
  dialog.append(form)
  dialog.addEventListener('close', () => {
    detach()
    dialog.remove()
  })
  document.body.append(dialog)
  dialog.showModal()
  title.focus()
}
