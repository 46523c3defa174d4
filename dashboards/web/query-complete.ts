/**
 * @module dashboards/web/query-complete
 * Autocomplete for the query editor: sources at the start, operators after `|`, then fields
 * (the catalog's intrinsic fields and attribute keys of the query's signal), functions and
 * keywords; after `field =`, `!=`, `in (` or `contains` the field's most frequent values.
 * Opens as the user types a word (or with Ctrl+Space); arrows move, Enter or Tab accepts,
 * Escape closes. Suggestions are text (h()), whatever the catalog holds.
 */
import { api, type SignalName } from './api-client.ts'
import { h, replace } from './dom.ts'
import type { QueryEditor } from './query-editor.ts'
import { FUNCTIONS, KEYWORDS, OPERATORS, SOURCES, tokenize, type Token } from './query-syntax.ts'
import type { ResolvedRange } from './time-range.ts'

export interface Suggestion {
  /** Inserted in place of the word being typed. */
  insert: string
  label: string
  kind: 'source' | 'operator' | 'field' | 'function' | 'keyword' | 'value'
}

/** Most suggestions shown at once. */
const MAX_SHOWN = 50
/** How long catalog answers are reused while typing. */
const CATALOG_TTL_MS = 30_000

/** What is being typed at `caret`: the partial word, where it starts, and what comes before. */
export function completionContext(text: string, caret: number): { partial: string; from: number; before: Token[]; inString: boolean } {
  const head = text.slice(0, caret)
  const str = /"([^"\\]|\\.)*$/.exec(head)
  const quotes = (head.match(/"/g) ?? []).length
  if (str && quotes % 2 === 1) {
    return { partial: str[0], from: caret - str[0].length, before: tokenize(head.slice(0, caret - str[0].length)).filter((t) => t.kind !== 'space' && t.kind !== 'comment'), inString: true }
  }
  const word = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(head)
  const partial = word ? word[0] : ''
  const from = caret - partial.length
  return { partial, from, before: tokenize(head.slice(0, from)).filter((t) => t.kind !== 'space' && t.kind !== 'comment'), inString: false }
}

/** The signal a query reads: its source (a `trace` lookup reads spans). */
export function querySignal(text: string): SignalName {
  const first = tokenize(text).find((t) => t.kind !== 'space' && t.kind !== 'comment')
  const word = first?.text.toLowerCase()
  return word === 'logs' || word === 'metrics' ? word : 'spans'
}

/** The field whose values fit here (`field = `, `field in (`, ...), if any. */
export function valueField(before: Token[]): string | undefined {
  const n = before.length
  const last = before[n - 1]
  if (last === undefined) return undefined
  const cmp = ['=', '==', '!=', 'contains', 'startswith', 'endswith']
  if (cmp.includes(last.text.toLowerCase()) && before[n - 2]?.kind === 'field') return before[n - 2].text
  // field in ("a", "b", |
  for (let i = n - 1; i >= 1; i--) {
    const t = before[i]
    if (t.text === '(' && before[i - 1]?.text.toLowerCase() === 'in' && before[i - 2]?.kind === 'field') return before[i - 2].text
    if (t.kind !== 'string' && t.text !== ',' && t.kind !== 'number') break
  }
  return undefined
}

/** Attaches completion; returns a function that removes it (the list lives on document.body or the editor's dialog). */
export function attachCompletion(editor: QueryEditor, range: () => ResolvedRange): () => void {
  const list = h('ul', { class: 'complete', attrs: { role: 'listbox', hidden: true, 'aria-label': 'Suggestions' } })
  const cache = new Map<string, { at: number; items: Promise<string[]> }>()
  let items: Suggestion[] = []
  let selected = 0
  let context = completionContext('', 0)
  let seq = 0

  const cached = (key: string, load: () => Promise<string[]>): Promise<string[]> => {
    const hit = cache.get(key)
    if (hit && Date.now() - hit.at < CATALOG_TTL_MS) return hit.items
    const entry = { at: Date.now(), items: load().catch(() => [] as string[]) }
    cache.set(key, entry)
    return entry.items
  }

  const suggestions = async (text: string, caret: number): Promise<Suggestion[]> => {
    context = completionContext(text, caret)
    const { before, partial, inString } = context
    const last = before[before.length - 1]
    const signal = querySignal(text)
    const field = valueField(before)
    if (field !== undefined) {
      const values = await cached(`v:${signal}:${field}`, async () => (await api.attributeValues(signal, field, range())).map((v) => (typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value))))
      const typed = inString ? partial : partial === '' ? '' : partial
      return values.filter((v) => v.startsWith(typed) || v.slice(1).startsWith(typed.replace(/^"/, ''))).map((v) => ({ insert: v, label: v, kind: 'value' }))
    }
    if (inString) return []
    const prefix = partial.toLowerCase()
    const match = (words: readonly string[], kind: Suggestion['kind'], suffix = ''): Suggestion[] =>
      words.filter((w) => w.toLowerCase().startsWith(prefix) && w !== partial).map((w) => ({ insert: w + suffix, label: w, kind }))
    if (last === undefined) return match(SOURCES, 'source', ' ')
    if (last.kind === 'pipe') return match(OPERATORS, 'operator', ' ')
    if (last.kind === 'source' && partial === '') return []
    const fields = await cached(`k:${signal}`, () => api.attributeKeys(signal, range()))
    // attr.http.route also matches what is typed as http.r (bare names resolve to attributes).
    const bare = (f: string): string => f.replace(/^(attr|resource|scope)\./, '')
    const fieldHits = fields.filter((f) => (f.toLowerCase().startsWith(prefix) || bare(f).toLowerCase().startsWith(prefix)) && f !== partial).map((f): Suggestion => ({ insert: f, label: f, kind: 'field' }))
    return [...fieldHits, ...match(FUNCTIONS, 'function', '('), ...(partial === '' ? [] : match(KEYWORDS, 'keyword', ' '))]
  }

  const close = (): void => {
    list.hidden = true
    items = []
  }
  const draw = (): void => {
    replace(
      list,
      items.slice(0, MAX_SHOWN).map((s, i) =>
        h(
          'li',
          { attrs: { role: 'option', 'aria-selected': String(i === selected), id: `complete-${i}` }, on: { mousedown: (e) => (e.preventDefault(), accept(i)) } },
          h('span', null, s.label),
          h('span', { class: 'kind' }, s.kind),
        ),
      ),
    )
    ;(list.children[selected] as HTMLElement | undefined)?.scrollIntoView({ block: 'nearest' })
  }
  const open = async (force: boolean): Promise<void> => {
    const mine = ++seq
    const text = editor.value()
    const caret = editor.input.selectionStart ?? text.length
    const found = await suggestions(text, caret)
    if (mine !== seq) return
    if (found.length === 0 || (!force && context.partial === '' && !context.inString && context.before.length > 0 && context.before[context.before.length - 1].kind !== 'pipe' && valueField(context.before) === undefined)) {
      close()
      return
    }
    items = found
    selected = 0
    // Inside a modal dialog the list must be in the dialog too, or it would sit under it, inert.
    const host = editor.el.closest('dialog') ?? document.body
    if (list.parentElement !== host) host.append(list)
    draw()
    const p = editor.caretPoint()
    list.style.left = `${Math.min(p.left, window.innerWidth - 240)}px`
    list.style.top = `${p.top + 2}px`
    list.hidden = false
  }
  const accept = (i: number): void => {
    const s = items[i]
    if (s === undefined) return
    const text = editor.value()
    const caret = editor.input.selectionStart ?? text.length
    // Replace the partial word, and a closing quote the user already has after the caret.
    let end = caret
    if (s.kind === 'value' && s.insert.endsWith('"') && text[caret] === '"') end++
    editor.setValue(text.slice(0, context.from) + s.insert + text.slice(end))
    const at = context.from + s.insert.length
    editor.input.setSelectionRange(at, at)
    editor.refresh()
    close()
    editor.input.focus()
  }

  editor.input.addEventListener('input', (e) => {
    const data = (e as InputEvent).data ?? ''
    if (/^[A-Za-z_.|"(= ]$/.test(data) || list.hidden === false) void open(false)
  })
  editor.input.addEventListener('keydown', (e) => {
    if (e.key === ' ' && e.ctrlKey) {
      e.preventDefault()
      void open(true)
      return
    }
    if (list.hidden) return
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault()
      const n = Math.min(items.length, MAX_SHOWN)
      selected = (selected + (e.key === 'ArrowDown' ? 1 : n - 1)) % n
      draw()
    } else if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Tab') {
      e.preventDefault()
      accept(selected)
    } else if (e.key === 'Escape') {
      e.preventDefault()
      close()
    }
  })
  editor.input.addEventListener('blur', close)
  return () => list.remove()
}
