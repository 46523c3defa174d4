/**
 * @module dashboards/web/pages/critical-path
 * The critical path of a trace: the spans whose time the trace waited on. From a span, the
 * child that ended last is on the path; then the child that ended before that one started,
 * and so on back to the span's start; each chosen child is walked the same way. Children
 * overlapping a chosen one ran in parallel with it and did not delay the parent.
 */

export interface TimedSpan {
  id: string
  startMs: number
  endMs: number
  children: TimedSpan[]
}

/** Ids of the spans on the critical path of each root. */
export function criticalPath(roots: readonly TimedSpan[]): Set<string> {
  const path = new Set<string>()
  const walk = (span: TimedSpan, until: number): void => {
    path.add(span.id)
    let cursor = Math.min(span.endMs, until)
    const byEnd = span.children.slice().sort((a, b) => b.endMs - a.endMs)
    for (const child of byEnd) {
      // A child ending a little after its parent (clock skew between hosts) still counts.
      if (Math.min(child.endMs, span.endMs) > cursor || child.startMs < span.startMs) continue
      walk(child, cursor)
      cursor = child.startMs
    }
  }
  for (const root of roots) walk(root, root.endMs)
  return path
}
