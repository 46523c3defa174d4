/**
 * @module dashboards/web/scatter-chart
 * Points of duration over time (trace search results), drawn by uPlot: one series for ok spans
 * and one for errors. Clicking a point calls `onPick` with its index; dragging zooms the time
 * range like every chart.
 */
import uPlot from 'uplot'
import { dragToZoom, themedAxis } from './chart-parts.ts'
import { h } from './dom.ts'
import { formatDurationNs } from './format.ts'

export interface ScatterPoint {
  timeMs: number
  durationNs: number
  error: boolean
}

export interface Scatter {
  readonly el: HTMLElement
  destroy(): void
}

/** How near (CSS pixels) a click must be to a point to pick it. */
const PICK_RADIUS_PX = 12

export function scatterChart(options: { points: ScatterPoint[]; xRange: { startMs: number; endMs: number }; onPick(index: number): void; onZoom(startMs: number, endMs: number): void; height?: number }): Scatter {
  const el = h('div', { class: 'chart scatter' })
  const axis = themedAxis()
  // uPlot wants ascending x: sort a permutation and keep each point's original index.
  const order = options.points.map((_, i) => i).sort((a, b) => options.points[a].timeMs - options.points[b].timeMs)
  const xs = order.map((i) => options.points[i].timeMs / 1000)
  const ok = order.map((i) => (options.points[i].error ? null : options.points[i].durationNs))
  const bad = order.map((i) => (options.points[i].error ? options.points[i].durationNs : null))
  const series = (label: string, color: string): uPlot.Series => ({ label, stroke: color, fill: color, width: 0, paths: () => null, points: { show: true, size: 7, fill: color + 'c0', stroke: color }, value: (_u, v) => (v === null || v === undefined ? '—' : formatDurationNs(v)) })
  let plot: uPlot | undefined
  const pick = (event: MouseEvent): void => {
    if (plot === undefined) return
    const rect = plot.over.getBoundingClientRect()
    const x = event.clientX - rect.left
    const y = event.clientY - rect.top
    let best = -1
    let bestD = PICK_RADIUS_PX * PICK_RADIUS_PX
    order.forEach((orig, k) => {
      const p = options.points[orig]
      const dx = plot!.valToPos(xs[k], 'x') - x
      const dy = plot!.valToPos(p.durationNs, 'y') - y
      if (dx * dx + dy * dy <= bestD) ((bestD = dx * dx + dy * dy), (best = orig))
    })
    if (best >= 0) options.onPick(best)
  }
  plot = new uPlot(
    {
      width: 600,
      height: options.height ?? 200,
      series: [{}, series('ok', '#3b82f6'), series('error', '#ef4444')],
      scales: { x: { time: true, range: () => [options.xRange.startMs / 1000, options.xRange.endMs / 1000] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [axis(), axis({ size: 70, values: (_u, splits) => splits.map((v) => formatDurationNs(v)) })],
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      hooks: { setSelect: dragToZoom(options.onZoom) },
    },
    [xs, ok, bad],
    el,
  )
  plot.over.addEventListener('click', pick)
  plot.over.style.cursor = 'pointer'
  const observer = new ResizeObserver(() => {
    const width = Math.max(120, Math.floor(el.clientWidth))
    if (width !== plot!.width) plot!.setSize({ width, height: plot!.height })
  })
  observer.observe(el)
  return {
    el,
    destroy() {
      observer.disconnect()
      plot!.destroy()
    },
  }
}
