/**
 * @module dashboards/web/time-picker
 * The one time-range control of every page: relative choices (last 5m .. 30d), absolute ends
 * typed (RFC 3339, now-2h) or chosen (datetime-local), zoom out, Back/Forward through earlier
 * ranges (browser history), and the auto-refresh interval. Escape closes the panel.
 */
import { h, replace, svg } from './dom.ts'
import { absolutePoint, formatLocal, parseTimePoint, rangeLabel, REFRESH_CHOICES, RELATIVE_CHOICES, resolveRange, zoomOut, type TimeRange } from './time-range.ts'

export interface TimePickerHandlers {
  setRange(range: TimeRange): void
  setRefresh(value: string): void
}

export interface TimePicker {
  readonly el: HTMLElement
  show(range: TimeRange, refresh: string): void
}

function clockIcon(): SVGElement {
  return svg('svg', { viewBox: '0 0 16 16', width: 14, height: 14, 'aria-hidden': 'true', class: 'icon' }, svg('circle', { cx: 8, cy: 8, r: 6.5, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }), svg('path', { d: 'M8 4.5V8l2.5 1.5', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5, 'stroke-linecap': 'round' }))
}

export function createTimePicker(handlers: TimePickerHandlers): TimePicker {
  let range: TimeRange = { from: 'now-1h', to: 'now' }
  const label = h('span', { class: 'tp-label' })
  const toggle = h('button', { class: 'btn tp-toggle', attrs: { type: 'button', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', title: 'Time range' } }, clockIcon(), label)
  const fromInput = h('input', { class: 'input', attrs: { name: 'from', 'aria-label': 'From', placeholder: 'now-1h or 2026-11-01T10:00:00Z', spellcheck: 'false' } })
  const toInput = h('input', { class: 'input', attrs: { name: 'to', 'aria-label': 'To', placeholder: 'now', spellcheck: 'false' } })
  const fromPick = h('input', { class: 'input', attrs: { type: 'datetime-local', step: 1, 'aria-label': 'Choose from' } })
  const toPick = h('input', { class: 'input', attrs: { type: 'datetime-local', step: 1, 'aria-label': 'Choose to' } })
  const error = h('div', { class: 'tp-error', attrs: { role: 'alert' } })
  for (const [text, pick] of [[fromInput, fromPick], [toInput, toPick]] as const) {
    text.addEventListener('input', () => {
      replace(error)
      const ms = parseTimePoint(text.value, Date.now())
      if (!(ms instanceof Error)) pick.value = formatLocal(ms).replace(' ', 'T')
    })
  }
  fromPick.addEventListener('change', () => fromPick.value && (fromInput.value = absolutePoint(new Date(fromPick.value).getTime())))
  toPick.addEventListener('change', () => toPick.value && (toInput.value = absolutePoint(new Date(toPick.value).getTime())))

  const apply = (next: TimeRange): void => {
    const resolved = resolveRange(next)
    if (resolved instanceof Error) {
      replace(error, resolved.message)
      return
    }
    replace(error)
    close()
    handlers.setRange(next)
  }
  const form = h(
    'form',
    { class: 'tp-absolute', on: { submit: (e) => (e.preventDefault(), apply({ from: fromInput.value.trim(), to: toInput.value.trim() })) } },
    h('label', null, 'From', fromInput, fromPick),
    h('label', null, 'To', toInput, toPick),
    error,
    h('button', { class: 'btn primary', attrs: { type: 'submit' } }, 'Apply time range'),
  )
  const choices = h(
    'ul',
    { class: 'tp-choices', attrs: { role: 'list' } },
    RELATIVE_CHOICES.map((c) => h('li', null, h('button', { class: 'link-btn', attrs: { type: 'button', 'data-from': c.from }, on: { click: () => apply({ from: c.from, to: 'now' }) } }, c.label))),
  )
  const panel = h('div', { class: 'tp-panel', attrs: { role: 'dialog', 'aria-label': 'Time range', hidden: true } }, h('div', { class: 'tp-cols' }, choices, form))

  const open = (): void => {
    fromInput.value = range.from
    toInput.value = range.to
    const resolved = resolveRange(range)
    if (!(resolved instanceof Error)) {
      fromPick.value = formatLocal(resolved.startMs).replace(' ', 'T')
      toPick.value = formatLocal(resolved.endMs).replace(' ', 'T')
    }
    replace(error)
    panel.hidden = false
    toggle.setAttribute('aria-expanded', 'true')
    ;(choices.querySelector(`[data-from="${CSS.escape(range.from)}"]`) as HTMLElement | null ?? fromInput).focus()
  }
  const close = (): void => {
    if (panel.hidden) return
    panel.hidden = true
    toggle.setAttribute('aria-expanded', 'false')
  }
  toggle.addEventListener('click', () => (panel.hidden ? open() : close()))
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      close()
      toggle.focus()
    }
  })
  document.addEventListener('click', (e) => {
    if (!wrap.contains(e.target as Node)) close()
  })

  const refreshSelect = h(
    'select',
    { class: 'input tp-refresh', attrs: { 'aria-label': 'Auto-refresh', title: 'Auto-refresh' }, on: { change: () => handlers.setRefresh(refreshSelect.value) } },
    REFRESH_CHOICES.map((c) => h('option', { attrs: { value: c.value } }, c.value === '' ? '⟳ Off' : `⟳ ${c.label}`)),
  )
  const back = h('button', { class: 'btn icon', attrs: { type: 'button', title: 'Previous time range (Back)', 'aria-label': 'Previous time range' }, on: { click: () => history.back() } }, '‹')
  const forward = h('button', { class: 'btn icon', attrs: { type: 'button', title: 'Next time range (Forward)', 'aria-label': 'Next time range' }, on: { click: () => history.forward() } }, '›')
  const out = h(
    'button',
    {
      class: 'btn icon',
      attrs: { type: 'button', title: 'Zoom out (twice as wide)', 'aria-label': 'Zoom out' },
      on: {
        click: () => {
          const resolved = resolveRange(range)
          if (!(resolved instanceof Error)) handlers.setRange(zoomOut(resolved))
        },
      },
    },
    '⤢',
  )
  const wrap = h('div', { class: 'time-picker' }, back, h('div', { class: 'tp-anchor' }, toggle, panel), forward, out, refreshSelect)
  return {
    el: wrap,
    show(next, refresh) {
      range = next
      replace(label, rangeLabel(next))
      refreshSelect.value = REFRESH_CHOICES.some((c) => c.value === refresh) ? refresh : ''
    },
  }
}
