/**
 * @module dashboards/web/stacked-bars
 * A histogram of counts over time stacked by class (log severities), drawn by uPlot. Each bar
 * is drawn as cumulative sums, top class first, so the later (lower) ones cover the earlier;
 * the legend shows each class's own count. Dragging across it zooms like every chart.
 */
import uPlot from 'uplot'
import { dragToZoom, themedAxis } from './chart-parts.ts'
import { h } from './dom.ts'

export interface StackedSeries {
  label: string
  color: string
  values: number[]
}

export interface StackedBars {
  readonly el: HTMLElement
  destroy(): void
}

export function stackedBars(options: { times: number[]; series: StackedSeries[]; height?: number; xRange?: { startMs: number; endMs: number }; onZoom?: (startMs: number, endMs: number) => void }): StackedBars {
  const el = h('div', { class: 'chart' })
  const axis = themedAxis()
  // Cumulative from the bottom class (last) up: stacks[i] = series i plus all after it.
  const n = options.times.length
  const stacks = options.series.map(() => new Array<number>(n).fill(0))
  for (let i = options.series.length - 1; i >= 0; i--) {
    for (let t = 0; t < n; t++) stacks[i][t] = (options.series[i].values[t] ?? 0) + (i + 1 < options.series.length ? stacks[i + 1][t] : 0)
  }
  const bars = uPlot.paths.bars!({ size: [0.85, 40] })
  const plot = new uPlot(
    {
      width: 600,
      height: options.height ?? 140,
      series: [
        {},
        ...options.series.map((s, i): uPlot.Series => ({
          label: s.label,
          stroke: s.color,
          fill: s.color,
          width: 0,
          paths: bars,
          points: { show: false },
          value: (_u, _v, _si, idx) => (idx === null || idx === undefined ? '—' : String(options.series[i].values[idx] ?? 0)),
        })),
      ],
      scales: {
        x: { time: true, range: options.xRange ? () => [options.xRange!.startMs / 1000, options.xRange!.endMs / 1000] : undefined },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [axis(), axis({ size: 50, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) })],
      cursor: { drag: { x: true, y: false, setScale: false } },
      hooks: { setSelect: dragToZoom(options.onZoom) },
    },
    [options.times.map((t) => t / 1000), ...stacks],
    el,
  )
  const observer = new ResizeObserver(() => {
    const width = Math.max(120, Math.floor(el.clientWidth))
    if (width !== plot.width) plot.setSize({ width, height: plot.height })
  })
  observer.observe(el)
  return {
    el,
    destroy() {
      observer.disconnect()
      plot.destroy()
    },
  }
}
