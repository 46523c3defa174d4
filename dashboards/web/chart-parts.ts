/**
 * @module dashboards/web/chart-parts
 * What every uPlot chart of the UI shares: axes in the theme's colours, and drag-to-zoom.
 */
import type uPlot from 'uplot'

/**
 * Makes axes coloured from the theme's CSS variables, read now: a chart drawn after a theme
 * change picks the new colours up.
 * @example const axis = themedAxis(); axes: [axis(), axis({ size: 60 })]
 */
export function themedAxis(): (extra?: Partial<uPlot.Axis>) => uPlot.Axis {
  const css = getComputedStyle(document.documentElement)
  const axisColor = css.getPropertyValue('--muted').trim() || '#888'
  const gridColor = css.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.15)'
  return (extra = {}) => ({ stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 }, ...extra })
}

/**
 * The `setSelect` hook that turns a horizontal drag into a time range (epoch ms) for `onZoom`;
 * a selection narrower than 3 px is a click, not a zoom. Pair it with
 * `cursor: { drag: { x: true, y: false, setScale: false } }` so the chart itself does not zoom.
 */
export function dragToZoom(onZoom: ((startMs: number, endMs: number) => void) | undefined): ((u: uPlot) => void)[] {
  return [
    (u) => {
      if (u.select.width < 3) return
      const start = u.posToVal(u.select.left, 'x') * 1000
      const end = u.posToVal(u.select.left + u.select.width, 'x') * 1000
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
      onZoom?.(start, end)
    },
  ]
}
