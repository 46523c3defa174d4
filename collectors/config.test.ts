import { describe, expect, it } from 'vitest'
import { validateCollectorsConfig } from './config.ts'

describe('validateCollectorsConfig', () => {
  const bad = (config: unknown, field: string, message: RegExp) => {
    let error: unknown
    try {
      validateCollectorsConfig(config)
    } catch (e) {
      error = e
    }
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', field })
    expect((error as Error).message).toMatch(message)
  }

  it('accepts every section', () => {
    expect(() =>
      validateCollectorsConfig({
        remoteWrite: { enabled: false },
        scrape: { interval: '15s', jobs: [{ name: 'node', targets: ['127.0.0.1:9100'], relabel: [{ sourceLabels: ['__address__'], regex: '(.*):.*', targetLabel: 'host' }, { action: 'labeldrop', regex: 'x' }] }] },
        tail: { files: [{ include: ['/var/log/*.log'], format: 'json', multiline: { start: '^\\d' }, startAt: 'beginning' }] },
        host: { interval: '30s', procRoot: '/host/proc' },
        syslog: { udpAddr: '0.0.0.0:514', tcpAddr: '[::1]:514', protocol: 'rfc3164' },
        self: { interval: '15s', tenant: '_system' },
      }),
    ).not.toThrow()
  })

  it('names the field and says what is expected', () => {
    bad([], '', /must be an object/)
    bad({ scrap: {} }, '.scrap', /unknown field; known fields: remoteWrite, scrape, tail, host, syslog, self/)
    bad({ remoteWrite: { enabled: 'yes' } }, 'remoteWrite.enabled', /must be true or false/)
    bad({ scrape: { jobs: [{ name: 'n', targets: ['http://x:1/metrics'] }] } }, 'scrape.jobs[0].targets', /must be a list of host:port/)
    bad({ scrape: { interval: '5 seconds', jobs: [] } }, 'scrape.interval', /expected a duration like 500ms, 15s or 1m, got "5 seconds"/)
    bad({ scrape: { jobs: [{ name: 'n', targets: ['a:1'], relabel: [{ action: 'hashmod' }] }] } }, 'scrape.jobs[0].relabel[0].action', /must be one of replace, keep/)
    bad({ scrape: { jobs: [{ name: 'n', targets: ['a:1'], relabel: [{ sourceLabels: ['a'] }] }] } }, 'scrape.jobs[0].relabel[0].targetLabel', /is required for action replace/)
    bad({ scrape: { jobs: [{ name: 'n', targets: ['a:1'], relabel: [{ action: 'keep', regex: '(' }] }] } }, 'scrape.jobs[0].relabel[0].regex', /cannot compile/)
    bad({ tail: { files: [{ include: [] }] } }, 'tail.files[0].include', /non-empty list/)
    bad({ tail: { files: [{ include: ['a'], format: 'xml' }] } }, 'tail.files[0].format', /must be one of auto, json, logfmt, plain/)
    bad({ tail: { files: [{ include: ['a'], multiline: { start: '[' } }] } }, 'tail.files[0].multiline.start', /cannot compile/)
    bad({ host: { procRoot: 'proc' } }, 'host.procRoot', /must be an absolute path/)
    bad({ syslog: {} }, 'syslog', /needs udpAddr, tcpAddr or both/)
    bad({ syslog: { udpAddr: '514' } }, 'syslog.udpAddr', /expected host:port/)
    bad({ self: { tenant: 'a b' } }, 'self.tenant', /1 to 64 letters/)
  })
})
