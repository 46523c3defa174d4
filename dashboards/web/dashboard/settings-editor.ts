/**
 * @module dashboards/web/dashboard/settings-editor
 * The dialog for a dashboard's title, description and variables (name and values query).
 */
import type { Dashboard, Variable } from '../../model/dashboard-model.ts'
import { h, replace } from '../dom.ts'

export function openSettingsEditor(dashboard: Dashboard, apply: (next: Pick<Dashboard, 'title' | 'description' | 'variables'>) => void): void {
  const title = h('input', { class: 'input', attrs: { name: 'title', maxlength: 200 }, props: { value: dashboard.title } })
  const description = h('input', { class: 'input', attrs: { name: 'description', maxlength: 2000 }, props: { value: dashboard.description ?? '' } })
  const rows = h('div', { class: 'var-rows' })
  const addRow = (v: Variable): void => {
    const name = h('input', { class: 'input', attrs: { name: 'var-name', placeholder: 'service', 'aria-label': 'Variable name' }, props: { value: v.name } })
    const query = h('input', { class: 'input mono', attrs: { name: 'var-query', placeholder: 'spans | stats count() by service.name', 'aria-label': 'Values query', spellcheck: 'false' }, props: { value: v.query } })
    const row = h('div', { class: 'form-row var-row' }, name, query, h('button', { class: 'btn small danger', attrs: { type: 'button', 'aria-label': 'Remove variable' }, on: { click: () => row.remove() } }, 'Remove'))
    rows.append(row)
  }
  for (const v of dashboard.variables) addRow(v)
  const error = h('div', { class: 'error-text', attrs: { role: 'alert' } })
  const dialog = h('dialog', { class: 'dialog wide', attrs: { 'aria-label': 'Dashboard settings' } })
  const form = h(
    'form',
    {
      class: 'dialog-form',
      on: {
        submit: (e) => {
          e.preventDefault()
          const variables: Variable[] = []
          for (const row of rows.querySelectorAll('.var-row')) {
            const [name, query] = [...row.querySelectorAll('input')].map((i) => i.value.trim())
            if (name === '' && query === '') continue
            if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return replace(error, `cannot apply: variable name ${JSON.stringify(name)} must be letters, digits or _`)
            if (query === '') return replace(error, `cannot apply: $${name} needs a query`)
            variables.push({ name, query })
          }
          if (title.value.trim() === '') return replace(error, 'cannot apply: the title is empty')
          dialog.close()
          apply({ title: title.value.trim(), description: description.value.trim() || undefined, variables })
        },
      },
    },
    h('h2', null, 'Dashboard settings'),
    h('label', null, 'Title', title),
    h('label', null, 'Description', description),
    h('h3', null, 'Variables'),
    h('p', { class: 'muted' }, 'A variable takes its values from the first column of its query; panels use it as $name.'),
    rows,
    h('button', { class: 'btn small', attrs: { type: 'button' }, on: { click: () => addRow({ name: '', query: '' }) } }, 'Add variable'),
    error,
    h(
      'div',
      { class: 'dialog-actions' },
      h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => dialog.close() } }, 'Cancel'),
      h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Apply'),
    ),
  )
  dialog.append(form)
  dialog.addEventListener('close', () => dialog.remove())
  document.body.append(dialog)
  dialog.showModal()
  title.focus()
}
