/**
 * @module dashboards/web/sparkline
 * A small inline SVG line of one series (tables of services), scaled to its own maximum.
 */
import { h, svg } from './dom.ts'

/** An SVG sparkline; `title` is read by screen readers and shown on hover. */
export function sparkline(values: readonly (number | null)[], title: string, color = 'var(--link)'): HTMLElement {
  const width = 100
  const height = 24
  const nums = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0))
  const max = Math.max(0, ...nums)
  const step = nums.length > 1 ? width / (nums.length - 1) : 0
  const y = (v: number): number => (max > 0 ? height - 2 - (v / max) * (height - 4) : height - 2)
  const points = nums.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  const el = svg(
    'svg',
    { class: 'spark-svg', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title },
    svg('title', {}, title),
    svg('polyline', { points: nums.length > 1 ? points : `0,${y(nums[0] ?? 0)} ${width},${y(nums[0] ?? 0)}`, fill: 'none', stroke: color, 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke' }),
  )
  return h('span', { class: 'spark' }, el)
}
