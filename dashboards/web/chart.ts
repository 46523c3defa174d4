/**
 * @module dashboards/web/chart
 * Time-series charts drawn by uPlot: lines, bars or points over time, sized to their container,
 * coloured from the theme. Dragging across a chart selects a time span and calls `onZoom`
 * (pages set it as the new time range, so every chart zooms and Back undoes it).
 */
import uPlot from 'uplot'
import { dragToZoom, themedAxis } from './chart-parts.ts'
import { h } from './dom.ts'
import { formatValue, type Unit } from './format.ts'

export interface ChartSeries {
  label: string
  /** One value per time; null where the series has no point. */
  values: (number | null)[]
  /** The series' own unit; a second unit gets its own axis on the right. */
  unit?: Unit
}

export interface ChartOptions {
  /** Times in milliseconds, ascending. */
  times: number[]
  series: ChartSeries[]
  kind?: 'line' | 'bars' | 'points'
  unit?: Unit
  height?: number
  /** Take the container's height (dashboard panels) instead of `height`. */
  fill?: boolean
  /** A dragged time span, in milliseconds. */
  onZoom?: (startMs: number, endMs: number) => void
  /** The x range to show (the page's time range), milliseconds; default: the data's. */
  xRange?: { startMs: number; endMs: number }
  /** Thresholds drawn as horizontal lines. */
  thresholds?: { value: number; color: string }[]
}

export interface Chart {
  readonly el: HTMLElement
  destroy(): void
}

/** Distinct colours that read on light and dark backgrounds. */
export const PALETTE = ['#3b82f6', '#f97316', '#10b981', '#a855f7', '#ef4444', '#eab308', '#06b6d4', '#ec4899', '#84cc16', '#6366f1']

export function timeSeriesChart(options: ChartOptions): Chart {
  const el = h('div', { class: 'chart' })
  const height = options.height ?? 220
  const kind = options.kind ?? 'line'
  const axis = themedAxis()
  // One y scale per unit, at most two: the first on the left, the others share the right one.
  const units = [...new Set(options.series.map((s) => s.unit ?? options.unit ?? ''))]
  const scaleOf = (s: ChartSeries): string => (units.indexOf(s.unit ?? options.unit ?? '') === 0 ? 'y' : 'y2')
  const bars = kind === 'bars' ? uPlot.paths.bars!({ size: [0.8, 40] }) : undefined
  const series: uPlot.Series[] = [
    {},
    ...options.series.map((s, i): uPlot.Series => {
      const color = PALETTE[i % PALETTE.length]
      return {
        label: s.label,
        stroke: color,
        width: kind === 'points' ? 0 : 1.5,
        fill: kind === 'bars' ? color + 'b0' : undefined,
        paths: kind === 'points' ? () => null : bars,
        // Lines keep uPlot's default: points drawn where they are sparse, so a lone point shows.
        points: kind === 'points' ? { show: true, size: 6, fill: color, stroke: color } : kind === 'bars' ? { show: false } : { size: 5 },
        spanGaps: false,
        scale: scaleOf(s),
        value: (_u, v) => (v === null || v === undefined ? '—' : formatValue(v, s.unit ?? options.unit)),
      }
    }),
  ]
  const thresholdsPlugin: uPlot.Plugin = {
    hooks: {
      draw: (u) => {
        for (const t of options.thresholds ?? []) {
          const y = u.valToPos(t.value, 'y', true)
          if (!Number.isFinite(y)) continue
          const ctx = u.ctx
          ctx.save()
          ctx.strokeStyle = t.color
          ctx.setLineDash([6, 4])
          ctx.lineWidth = 1.5
          ctx.beginPath()
          ctx.moveTo(u.bbox.left, y)
          ctx.lineTo(u.bbox.left + u.bbox.width, y)
          ctx.stroke()
          ctx.restore()
        }
      },
    },
  }
  const opts: uPlot.Options = {
    width: 600,
    height,
    series,
    plugins: [thresholdsPlugin],
    scales: {
      x: { time: true, range: options.xRange ? () => [options.xRange!.startMs / 1000, options.xRange!.endMs / 1000] : undefined },
      y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] },
      y2: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] },
    },
    axes: [
      axis(),
      axis({ scale: 'y', size: 60, values: (_u, splits) => splits.map((v) => formatValue(v, units[0] as Unit)) }),
      ...(units.length > 1 ? [axis({ scale: 'y2', side: 1, size: 60, grid: { show: false }, values: (_u, splits) => splits.map((v) => formatValue(v, units[1] as Unit)) })] : []),
    ],
    legend: { show: options.series.length > 0 && options.series.length <= 20 },
    cursor: { drag: { x: true, y: false, setScale: false } },
    hooks: { setSelect: dragToZoom(options.onZoom) },
  }
  const data: uPlot.AlignedData = [options.times.map((t) => t / 1000), ...options.series.map((s) => s.values)]
  const plot = new uPlot(opts, data, el)
  if (options.fill) el.classList.add('fill')
  const observer = new ResizeObserver(() => {
    const width = Math.max(120, Math.floor(el.clientWidth))
    const legend = el.querySelector('.u-legend') as HTMLElement | null
    const h = options.fill ? Math.max(60, Math.floor(el.clientHeight - (legend?.offsetHeight ?? 0) - 4)) : height
    if (width !== plot.width || h !== plot.height) plot.setSize({ width, height: h })
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
