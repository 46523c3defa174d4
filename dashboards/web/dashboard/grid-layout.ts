/**
 * @module dashboards/web/dashboard/grid-layout
 * The 12-column grid panels sit on: placing repeated panels, pushing overlapping panels down,
 * and editing positions by dragging a panel's header (move) or its corner (resize), or with the
 * keyboard on a focused panel (arrows move, Shift+arrows resize).
 */
import { GRID_COLUMNS, type Panel } from '../../model/dashboard-model.ts'

/** Height of one grid row and the gap between cells, in CSS pixels (styles.css agrees). */
export const ROW_PX = 60
export const GAP_PX = 10

export type Grid = Panel['grid']

function overlaps(a: Grid, b: Grid): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/**
 * Positions without overlaps: `first` (the panel being moved) keeps its place, the others keep
 * their order by row then column and move down until they fit.
 */
export function compact<T extends { grid: Grid }>(items: T[], first?: T): void {
  const order = items.filter((i) => i !== first).sort((a, b) => a.grid.y - b.grid.y || a.grid.x - b.grid.x)
  const placed: Grid[] = first ? [first.grid] : []
  for (const item of order) {
    const g = { ...item.grid }
    while (placed.some((p) => overlaps(p, g))) g.y++
    item.grid = g
    placed.push(g)
  }
}

/** Copies of a repeated panel: the first in its place, the next ones to its right, wrapping. */
export function repeatGrids(grid: Grid, count: number): Grid[] {
  const out: Grid[] = []
  let { x, y } = grid
  for (let i = 0; i < count; i++) {
    if (x + grid.w > GRID_COLUMNS) {
      x = 0
      y += grid.h
    }
    out.push({ x, y, w: grid.w, h: grid.h })
    x += grid.w
  }
  return out
}

export function placeElement(el: HTMLElement, grid: Grid): void {
  el.style.gridColumn = `${grid.x + 1} / span ${grid.w}`
  el.style.gridRow = `${grid.y + 1} / span ${grid.h}`
  // A phone shows one column: panels in reading order, each its own height (styles.css).
  el.style.setProperty('--h', String(grid.h))
  el.style.order = String(grid.y * 100 + grid.x)
}

export interface EditHandlers<T extends { grid: Grid }> {
  items(): T[]
  elementOf(item: T): HTMLElement
  /** After every change of place or size. */
  changed(): void
}

/** Lets `item` be moved by `handle` and resized by `corner`; arrows on the focused element. */
export function makeEditable<T extends { grid: Grid }>(grid: HTMLElement, item: T, handle: HTMLElement, corner: HTMLElement, on: EditHandlers<T>): void {
  const relayout = (): void => {
    const all = on.items()
    compact(all, item)
    for (const i of all) placeElement(on.elementOf(i), i.grid)
    on.changed()
  }
  const drag = (target: HTMLElement, apply: (orig: Grid, dx: number, dy: number) => Grid): void => {
    target.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || (e.target as HTMLElement).closest('button, a, input, select')) return
      e.preventDefault()
      const rect = grid.getBoundingClientRect()
      const colW = (rect.width + GAP_PX) / GRID_COLUMNS
      const rowH = ROW_PX + GAP_PX
      const start = { x: e.clientX, y: e.clientY }
      const orig = { ...item.grid }
      target.setPointerCapture(e.pointerId)
      on.elementOf(item).classList.add('dragging')
      const move = (ev: PointerEvent): void => {
        const next = apply(orig, Math.round((ev.clientX - start.x) / colW), Math.round((ev.clientY - start.y) / rowH))
        if (next.x !== item.grid.x || next.y !== item.grid.y || next.w !== item.grid.w || next.h !== item.grid.h) {
          item.grid = next
          relayout()
        }
      }
      const up = (): void => {
        target.removeEventListener('pointermove', move)
        target.removeEventListener('pointerup', up)
        target.removeEventListener('pointercancel', up)
        on.elementOf(item).classList.remove('dragging')
      }
      target.addEventListener('pointermove', move)
      target.addEventListener('pointerup', up)
      target.addEventListener('pointercancel', up)
    })
  }
  const clampMove = (o: Grid, dx: number, dy: number): Grid => ({ ...o, x: Math.max(0, Math.min(GRID_COLUMNS - o.w, o.x + dx)), y: Math.max(0, o.y + dy) })
  const clampSize = (o: Grid, dx: number, dy: number): Grid => ({ ...o, w: Math.max(1, Math.min(GRID_COLUMNS - o.x, o.w + dx)), h: Math.max(1, Math.min(24, o.h + dy)) })
  drag(handle, clampMove)
  drag(corner, clampSize)
  on.elementOf(item).addEventListener('keydown', (e) => {
    if (e.target !== on.elementOf(item)) return
    const d = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key]
    if (d === undefined) return
    e.preventDefault()
    item.grid = (e.shiftKey ? clampSize : clampMove)(item.grid, d[0], d[1])
    relayout()
  })
}
