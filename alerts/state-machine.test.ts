import { describe, expect, test } from 'vitest'
import type { AlertInstance, Sample } from './alert-model.ts'
import { fingerprintOf, step } from './state-machine.ts'

const checkout = { alertname: 'HighLatency', service_name: 'checkout' }
const cart = { alertname: 'HighLatency', service_name: 'cart' }
const s = (labels: Record<string, string>, value: number, holds = true): Sample => ({ labels, value, holds })

function run(evaluations: [number, Sample[]][], forMs: number, keepFiringForMs = 0): { states: string[][]; instances: AlertInstance[] } {
  let instances: AlertInstance[] = []
  const states: string[][] = []
  for (const [now, samples] of evaluations) {
    const r = step(instances, samples, { forMs, keepFiringForMs, now, annotate: (l, v) => ({ summary: `${l.service_name} ${v}` }) })
    instances = r.instances
    states.push(r.transitions.map((t) => `${t.instance.labels.service_name}:${t.from}>${t.to}`))
  }
  return { states, instances }
}

describe('state machine', () => {
  test('pending, then firing once the condition held for `for`, then resolved', () => {
    const { states, instances } = run(
      [
        [0, [s(checkout, 9)]],
        [500, [s(checkout, 9)]],
        [1000, [s(checkout, 8)]],
        [1500, [s(checkout, 7)]],
        [2000, [s(checkout, 1, false)]],
        [2500, []],
      ],
      1000,
    )
    expect(states).toEqual([['checkout:inactive>pending'], [], ['checkout:pending>firing'], [], ['checkout:firing>resolved'], []])
    expect(instances).toMatchObject([{ state: 'resolved', activeAt: 0, firedAt: 1000, resolvedAt: 2000, value: 7, annotations: { summary: 'checkout 7' } }])
  })

  test('a pending alert whose condition stops holding is dropped; each group is its own alert', () => {
    const { states, instances } = run(
      [
        [0, [s(checkout, 9), s(cart, 9)]],
        [100, [s(checkout, 9), s(cart, 1, false)]],
        [200, [s(checkout, 9)]],
      ],
      200,
    )
    expect(states).toEqual([['checkout:inactive>pending', 'cart:inactive>pending'], ['cart:pending>inactive'], ['checkout:pending>firing']])
    expect(instances.map((i) => i.fingerprint)).toEqual([fingerprintOf(checkout)])
  })

  test('for: 0 fires at once; keep_firing_for keeps it firing after the condition stops', () => {
    const { states } = run(
      [
        [0, [s(checkout, 9)]],
        [100, []],
        [250, []],
        [300, []],
      ],
      0,
      300,
    )
    expect(states).toEqual([['checkout:inactive>firing'], [], [], ['checkout:firing>resolved']])
  })

  test('an alert that comes back after resolving starts over as pending', () => {
    const { states } = run(
      [
        [0, [s(checkout, 9)]],
        [100, [s(checkout, 9)]],
        [200, []],
        [300, [s(checkout, 9)]],
      ],
      100,
    )
    expect(states).toEqual([['checkout:inactive>pending'], ['checkout:pending>firing'], ['checkout:firing>resolved'], ['checkout:inactive>pending']])
  })

  test('fingerprints do not depend on the order of labels', () => {
    expect(fingerprintOf({ a: '1', b: '2' })).toBe(fingerprintOf({ b: '2', a: '1' }))
    expect(fingerprintOf({ a: '1', b: '2' })).not.toBe(fingerprintOf({ a: '1', b: '3' }))
  })
})
