/**
 * @module dashboards/web/dashboard/thresholds
 * Threshold colours: the colour of the highest threshold at or below a value; and the text form
 * the panel editor uses ("80 #f59e0b, 95 #e02f44").
 */
import type { Threshold } from '../../model/dashboard-model.ts'

export function thresholdColor(value: number, thresholds: readonly Threshold[] | undefined): string | undefined {
  let color: string | undefined
  for (const t of thresholds ?? []) if (value >= t.value) color = t.color
  return color
}

export function formatThresholds(thresholds: readonly Threshold[] | undefined): string {
  return (thresholds ?? []).map((t) => `${t.value} ${t.color}`).join(', ')
}

/** Parses "80 #f59e0b, 95 #e02f44"; an Error names the part it cannot read. */
export function parseThresholds(text: string): Threshold[] | Error {
  const out: Threshold[] = []
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(-?\d+(?:\.\d+)?)\s+(#[0-9a-fA-F]{6})$/.exec(part)
    if (m === null) return new Error(`cannot read threshold ${JSON.stringify(part)}: expected a value and a colour, like 95 #e02f44`)
    out.push({ value: Number(m[1]), color: m[2] })
  }
  return out.sort((a, b) => a.value - b.value)
}
