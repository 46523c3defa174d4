/**
 * @module alerts/state-machine
 * One evaluation's step for one rule's alert instances, as Prometheus' alerting rules do it
 * (rules/alerting.go): a condition that starts to hold makes an instance pending, firing once
 * it held for `for`; an instance that stops holding is dropped when pending, resolved when
 * firing (after `keep_firing_for`). Resolved instances stay a while so that Alertmanager hears
 * of the resolution more than once. Pure: no clock, no I/O.
 */
import { createHash } from 'node:crypto'
import type { AlertInstance, Sample, Transition } from './alert-model.ts'
import { RESOLVED_RETENTION_MS } from './limits.ts'

export interface StepOptions {
  forMs: number
  keepFiringForMs: number
  now: number
  /** Annotations of an instance from its labels and value. */
  annotate: (labels: Readonly<Record<string, string>>, value: unknown) => Record<string, string>
}

/** The instances after an evaluation that saw `samples`, and the transitions it made. */
export function step(previous: readonly AlertInstance[], samples: readonly Sample[], o: StepOptions): { instances: AlertInstance[]; transitions: Transition[] } {
  const byFingerprint = new Map(previous.map((i) => [i.fingerprint, { ...i }]))
  const transitions: Transition[] = []
  const holding = new Set<string>()
  for (const sample of samples) {
    if (!sample.holds) continue
    const fingerprint = fingerprintOf(sample.labels)
    holding.add(fingerprint)
    const known = byFingerprint.get(fingerprint)
    if (known !== undefined && known.state !== 'resolved') {
      known.value = sample.value
      known.lastTrueAt = o.now
      known.annotations = o.annotate(known.labels, sample.value)
      if (known.state === 'pending' && o.now - known.activeAt >= o.forMs) {
        known.state = 'firing'
        known.firedAt = o.now
        transitions.push({ instance: known, from: 'pending', to: 'firing' })
      }
      continue
    }
    const fresh: AlertInstance = {
      fingerprint,
      labels: sample.labels,
      annotations: o.annotate(sample.labels, sample.value),
      state: o.forMs === 0 ? 'firing' : 'pending',
      value: sample.value,
      activeAt: o.now,
      firedAt: o.forMs === 0 ? o.now : undefined,
      lastTrueAt: o.now,
    }
    byFingerprint.set(fingerprint, fresh)
    transitions.push({ instance: fresh, from: 'inactive', to: fresh.state })
  }
  const instances: AlertInstance[] = []
  for (const instance of byFingerprint.values()) {
    if (!holding.has(instance.fingerprint)) {
      if (instance.state === 'pending') {
        transitions.push({ instance, from: 'pending', to: 'inactive' })
        continue
      }
      if (instance.state === 'firing' && o.now - instance.lastTrueAt >= o.keepFiringForMs) {
        instance.state = 'resolved'
        instance.resolvedAt = o.now
        transitions.push({ instance, from: 'firing', to: 'resolved' })
      }
      if (instance.state === 'resolved' && o.now - instance.resolvedAt! > RESOLVED_RETENTION_MS) continue
    }
    instances.push(instance)
  }
  return { instances, transitions }
}

/** A stable hash of a label set (order of keys does not matter). */
export function fingerprintOf(labels: Readonly<Record<string, string>>): string {
  const sorted = Object.keys(labels).sort().map((k) => [k, labels[k]])
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16)
}
