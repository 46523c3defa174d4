/**
 * @module dashboards/web/query-editor
 * The query editor: a textarea over a highlighted copy of its text (both in the same font and
 * box, the textarea's own text transparent), so the browser keeps native editing, selection,
 * undo and accessibility. Ctrl+Enter (or Cmd+Enter) runs; an error is underlined at its line
 * and column. Autocomplete is attached by query-complete.ts.
 */
import { h } from './dom.ts'
import { offsetOf, tokenize } from './query-syntax.ts'

export interface QueryEditor {
  readonly el: HTMLElement
  readonly input: HTMLTextAreaElement
  value(): string
  setValue(text: string): void
  /** Underlines the place of an error (1-based line and column); undefined clears it. */
  markError(place: { line: number; column: number } | undefined): void
  /** Screen position of the caret, for the completion list. */
  caretPoint(): { left: number; top: number }
  /** Re-draws the highlighting after the text changed from code. */
  refresh(): void
}

export function createQueryEditor(options: { onRun: () => void; label?: string; placeholder?: string }): QueryEditor {
  const hl = h('pre', { class: 'editor-hl', attrs: { 'aria-hidden': 'true' } })
  const input = h('textarea', {
    class: 'editor-input',
    attrs: { spellcheck: 'false', autocapitalize: 'off', autocomplete: 'off', 'aria-label': options.label ?? 'Query', placeholder: options.placeholder ?? '', rows: 3 },
  })
  const el = h('div', { class: 'editor' }, hl, input)
  let errorAt: number | undefined
  let caretMarker: HTMLElement | undefined

  const draw = (): void => {
    const text = input.value
    hl.replaceChildren()
    const caret = input.selectionStart ?? text.length
    caretMarker = h('span', { class: 'caret-marker' })
    let placed = false
    for (const token of tokenize(text)) {
      const end = token.start + token.text.length
      if (!placed && caret >= token.start && caret < end) {
        // Split the token at the caret so the marker sits where the caret is.
        const cut = caret - token.start
        if (cut > 0) hl.append(span(token.kind, token.text.slice(0, cut), token.start))
        hl.append(caretMarker)
        hl.append(span(token.kind, token.text.slice(cut), caret))
        placed = true
      } else hl.append(span(token.kind, token.text, token.start))
    }
    if (!placed) hl.append(caretMarker)
    // A trailing newline needs a character after it to take up a line.
    hl.append('\n')
    input.rows = Math.max(3, text.split('\n').length)
  }
  const span = (kind: string, text: string, start: number): HTMLElement => {
    const errorHere = errorAt !== undefined && errorAt >= start && errorAt < start + Math.max(1, text.length)
    return h('span', { class: `tok-${kind}${errorHere ? ' tok-error' : ''}` }, text)
  }

  input.addEventListener('input', () => {
    errorAt = undefined
    draw()
  })
  input.addEventListener('keyup', draw)
  input.addEventListener('click', draw)
  input.addEventListener('scroll', () => {
    hl.scrollTop = input.scrollTop
    hl.scrollLeft = input.scrollLeft
  })
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      options.onRun()
    }
  })
  draw()
  return {
    el,
    input,
    value: () => input.value,
    setValue(text) {
      input.value = text
      errorAt = undefined
      draw()
    },
    markError(place) {
      errorAt = place === undefined ? undefined : offsetOf(input.value, place.line, place.column)
      // Underline the end of the text when the error is there (e.g. "expected an expression").
      if (errorAt !== undefined && errorAt >= input.value.length) errorAt = Math.max(0, input.value.length - 1)
      draw()
    },
    caretPoint() {
      draw()
      const r = (caretMarker ?? hl).getBoundingClientRect()
      return { left: r.left, top: r.bottom }
    },
    refresh: draw,
  }
}
