import { describe, expect, it } from 'vitest'
import { compileRelabel, relabel, type RelabelConfig } from './relabel.ts'

const TARGET = { __address__: 'db-1.example:9100', __scheme__: 'http', __metrics_path__: '/metrics', job: 'node', env: 'Prod' }

describe('relabel', () => {
  const f = (rules: RelabelConfig[], want: Record<string, string> | undefined) => expect(relabel(TARGET, rules.map(compileRelabel))).toEqual(want)

  it('applies each action as Prometheus does', () => {
    f([{ sourceLabels: ['__address__'], regex: '([^.]+)\\..*:(\\d+)', targetLabel: 'host', replacement: '$1-${2}' }], { ...TARGET, host: 'db-1-9100' })
    f([{ sourceLabels: ['__address__'], regex: 'db', targetLabel: 'x' }], TARGET) // anchored: no match
    f([{ sourceLabels: ['job', 'env'], separator: '/', targetLabel: 'both' }], { ...TARGET, both: 'node/Prod' })
    f([{ sourceLabels: ['nothing'], targetLabel: 'env' }], { __address__: 'db-1.example:9100', __scheme__: 'http', __metrics_path__: '/metrics', job: 'node' })
    f([{ sourceLabels: ['env'], regex: 'Prod', action: 'keep' }], TARGET)
    f([{ sourceLabels: ['env'], regex: 'prod', action: 'keep' }], undefined)
    f([{ sourceLabels: ['job'], regex: 'node', action: 'drop' }], undefined)
    f([{ regex: '__(.+)__', replacement: 'meta_$1', action: 'labelmap' }], { ...TARGET, meta_address: 'db-1.example:9100', meta_scheme: 'http', meta_metrics_path: '/metrics' })
    f([{ regex: 'env|job', action: 'labeldrop' }], { __address__: 'db-1.example:9100', __scheme__: 'http', __metrics_path__: '/metrics' })
    f([{ regex: '__.*', action: 'labelkeep' }], { __address__: 'db-1.example:9100', __scheme__: 'http', __metrics_path__: '/metrics' })
    f([{ sourceLabels: ['env'], targetLabel: 'env', action: 'lowercase' }], { ...TARGET, env: 'prod' })
    f([{ sourceLabels: ['__address__'], regex: '.*', targetLabel: '__address__', replacement: '127.0.0.1:1' }], { ...TARGET, __address__: '127.0.0.1:1' })
  })
})
