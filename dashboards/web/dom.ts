/**
 * @module dashboards/web/dom
 * The one way the UI makes elements. Telemetry is untrusted: every string child becomes a text
 * node, attributes are set one by one, and event handlers and `javascript:` URLs cannot be set
 * from data. No code in web/ assigns innerHTML.
 */

export type Child = Node | string | number | boolean | null | undefined | Child[]

export interface Props {
  class?: string
  /** Attributes; `on*` names are refused, URL attributes must be relative or http(s). */
  attrs?: Record<string, string | number | boolean | undefined>
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void }
  /** Properties set directly, like value or checked. */
  props?: Record<string, unknown>
}

const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href'])

/** True for a URL an attribute may hold: same-origin paths, fragments, http(s). */
export function safeUrl(url: string): boolean {
  return /^(\/(?!\/)|#|\?|https?:\/\/)/i.test(url) || url === '/'
}

function setAttr(el: Element, name: string, value: string | number | boolean | undefined): void {
  if (value === undefined || value === false) return
  const lower = name.toLowerCase()
  if (lower.startsWith('on')) throw new Error(`cannot set attribute ${name}: event handlers are attached with on`)
  const text = value === true ? '' : String(value)
  if (URL_ATTRS.has(lower) && !safeUrl(text)) throw new Error(`cannot set attribute ${name}: ${JSON.stringify(text)} is not a relative or http(s) URL`)
  el.setAttribute(name, text)
}

/** Appends children as nodes; strings and numbers as text. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false || child === true) continue
    if (Array.isArray(child)) append(parent, ...child)
    else if (child instanceof Node) parent.appendChild(child)
    else parent.appendChild(document.createTextNode(String(child)))
  }
}

/**
 * An element with props and children.
 * @example h('a', { attrs: { href: '/traces' } }, 'Traces')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (props) {
    if (props.class) el.className = props.class
    for (const [name, value] of Object.entries(props.attrs ?? {})) setAttr(el, name, value)
    for (const [name, value] of Object.entries(props.props ?? {})) (el as unknown as Record<string, unknown>)[name] = value
    for (const [type, handler] of Object.entries(props.on ?? {})) el.addEventListener(type, handler as EventListener)
  }
  append(el, ...children)
  return el
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, ...children)
}

/** An SVG element (icons, small charts); attributes only, text as text nodes. */
export function svg(tag: string, attrs: Record<string, string | number> = {}, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag)
  for (const [name, value] of Object.entries(attrs)) setAttr(el, name, value)
  for (const c of children) el.appendChild(typeof c === 'string' ? document.createTextNode(c) : c)
  return el
}
