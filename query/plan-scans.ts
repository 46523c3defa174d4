/**
 * @module query/plan-scans
 * The scans a plan will make (its source and each join's right side, a trace lookup
 * included), one per signal and range, so that a query service can take their snapshots
 * before a query thread runs the plan. The thread finds each scan's snapshot by the same key.
 */
import type { ScanRequest, Signal } from '../storage/index.ts'
import type { QueryPlan } from './planner.ts'

/** The key of a scan: scans of one signal over one range read one snapshot. */
export function scanKey(signal: Signal, start: bigint | undefined, end: bigint | undefined): string {
  return `${signal}|${start ?? ''}|${end ?? ''}`
}

/**
 * One scan request per key that running `plan` reads, with the columns of every scan under
 * that key (all columns when any of them reads all). Conditions are left out: a snapshot holds
 * every block of the range, and the scan in the thread skips blocks by its own conditions.
 * @example for (const [key, request] of planScans(plan, 'default')) snapshots.set(key, store.snapshot(request))
 */
export function planScans(plan: QueryPlan, tenant: string): Map<string, ScanRequest> {
  const out = new Map<string, ScanRequest>()
  const visit = (p: QueryPlan): void => {
    const key = scanKey(p.signal, p.start, p.end)
    // A trace lookup reads every column of the spans it finds.
    const columns = p.traceId !== undefined ? undefined : p.columns
    const seen = out.get(key)
    if (seen === undefined) out.set(key, { tenant, signal: p.signal, start: p.start, end: p.end, columns })
    else if (seen.columns !== undefined) out.set(key, { ...seen, columns: columns === undefined ? undefined : [...new Set([...seen.columns, ...columns])] })
    for (const stage of p.stages) if (stage.right !== undefined) visit(stage.right)
  }
  visit(plan)
  return out
}

