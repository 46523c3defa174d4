/**
 * Deployment files, checked without Docker (no Docker engine runs here):
 * - the Dockerfile copies every source file `blazedb` loads at run time, and every package
 *   those files import is a production dependency (the image installs no others);
 * - the docker-compose.yml topology (the server with the env file's password and the files its
 *   compose configs mount, and a `blazedb collect` host-metrics collector sending OTLP to it)
 *   run as plain processes: the example dashboards and alert rules are provisioned;
 * - the systemd units (server and collector) pass `systemd-analyze verify` without unknown or
 *   invalid settings.
 */
import { spawn } from 'node:child_process'
import { execFile } from 'node:child_process'
import { builtinModules } from 'node:module'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { placeOrders, startShop } from '../examples/shop/shop.ts'
import { waitFor } from './support/wait-for.ts'
import { queryRows } from './support/query-client.ts'
import { BIN, startServerProcess } from './support/server-process.ts'
import { systemTool } from './support/system-tool.ts'

const ROOT = resolve(import.meta.dirname, '..')
const root = mkdtempSync(join(tmpdir(), 'blazedb-deploy-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Every project file reachable from `entry` by static imports, dynamic imports of literals and worker URLs, and every package imported. */
function runtimeClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (files.has(file)) continue
    files.add(file)
    const text = readFileSync(file, 'utf8')
    const specs = [
      ...[...text.matchAll(/(?:^|\n)\s*(?:import|export)(?!\s+type\b)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]),
      ...[...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1]),
      ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
      ...[...text.matchAll(/new URL\(\s*['"](\.[^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1]),
    ]
    for (const spec of specs) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec))
      else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])
    }
  }
  return { files, packages }
}

describe('Dockerfile', () => {
  it('copies every source file the server loads, and production dependencies cover its packages', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+) \.\/\S*$/gm)].map((m) => m[1])
    const { files, packages } = runtimeClosure(join(ROOT, 'bin/blazedb.js'))
    const missing = [...files].map((f) => relative(ROOT, f)).filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)))
    expect(missing).toEqual([])
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    expect([...packages].filter((p) => !(p in pkg.dependencies)).sort()).toEqual([])
    expect(files.size).toBeGreaterThan(100)
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m)
  })

  it('docker-compose.yml mounts only files that exist, and no volume inside the sources', () => {
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')
    const binds = [...compose.matchAll(/^\s+- (\.\/[^:]+):/gm)].map((m) => m[1])
    expect(binds.length).toBeGreaterThan(0)
    for (const path of binds) expect(existsSync(join(ROOT, path)), path).toBe(true)
    expect(compose).not.toMatch(/node_modules/)
    expect(compose).toMatch(/^\s+env_file: blazedb\.env$/m)
    expect(existsSync(join(ROOT, 'examples/deploy/blazedb.env.example'))).toBe(true)
  })
})

interface ComposeService {
  environment?: Record<string, string>
  configs?: { source: string; target: string }[]
}

/**
 * What Docker does with the blazedb service's compose configs, with `base` standing for the
 * container's root: each config's file copied to its target. Paths in the configuration file
 * (absolute in the container) are moved under `base` too. Returns the service's environment,
 * its paths moved likewise.
 */
function mountComposeConfigs(base: string): Record<string, string> {
  const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService>; configs: Record<string, { file: string }> }
  const service = compose.services.blazedb
  for (const { source, target } of service.configs ?? []) {
    expect(target.startsWith('/'), target).toBe(true)
    mkdirSync(dirname(join(base, target)), { recursive: true })
    copyFileSync(join(ROOT, compose.configs[source].file), join(base, target))
  }
  const inContainer = (v: unknown): unknown =>
    typeof v === 'string' && v.startsWith('/') ? join(base, v) : Array.isArray(v) ? v.map(inContainer) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, inContainer(x)])) : v
  const env = inContainer(service.environment ?? {}) as Record<string, string>
  writeFileSync(env.BLAZEDB_CONFIG, JSON.stringify(inContainer(JSON.parse(readFileSync(env.BLAZEDB_CONFIG, 'utf8')))))
  return env
}

describe('the docker-compose topology as processes', () => {
  it('runs the server with the env file, a host-metrics collector and the shop sending to it', async () => {
    const env = Object.fromEntries(
      readFileSync(join(ROOT, 'examples/deploy/blazedb.env.example'), 'utf8')
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    expect(Object.keys(env)).toEqual(['BLAZEDB_PASSWORD'])
    const server = await startServerProcess(join(root, 'data'), { ...env, ...mountComposeConfigs(join(root, 'container')) })
    // The container mounts the host's /proc and / at /host/proc and /hostfs; here they are in place.
    const collect = JSON.parse(readFileSync(join(ROOT, 'examples/deploy/collect-host.json'), 'utf8'))
    collect.collectors.host = { ...collect.collectors.host, interval: '1s', procRoot: '/proc', rootPath: '/' }
    writeFileSync(join(root, 'collect-host.json'), JSON.stringify(collect))
    const collector = spawn(process.execPath, [BIN, 'collect', '--config', join(root, 'collect-host.json'), '--endpoint', `http://${server.otlpHttp}`, '--data-dir', join(root, 'collect')], { stdio: 'ignore' })
    const exited = new Promise<number | null>((done) => collector.once('exit', (code) => done(code)))
    const shop = await startShop(server.otlpGrpc, server.otlpHttp)
    const count = async (query: string): Promise<number> => (await queryRows(server.http, query))[0][0] as number
    try {
      expect((await fetch(`http://${server.http}/healthz`)).status).toBe(200)
      // The example dashboards and alert rules, provisioned from the files the configs mount.
      const get = async (path: string): Promise<any> => (await fetch(`http://${server.http}${path}`)).json()
      const dashboards = (await get('/api/v1/dashboards')).dashboards as { id: string; source: string }[]
      const example = (name: string): string => JSON.parse(readFileSync(join(ROOT, 'examples', name, 'dashboard.json'), 'utf8')).id
      expect(dashboards.filter((d) => d.source === 'provisioned').map((d) => d.id).sort()).toEqual([example('host-metrics'), example('shop')].sort())
      const groups = (await get('/api/v1/rules')).groups as { name: string; file?: string; rules: { alert: string }[] }[]
      expect(groups.map((g) => [g.name, g.rules.length])).toEqual([['shop', 3], ['host', 4]])
      expect(await placeOrders(shop.frontend, 0, 5)).toEqual({ placed: 4, failed: 1 }) // order 3 fails
      await waitFor('host metrics at the server', async () => ((await count('metrics | where metric.name = "system.cpu.time" | stats count()')) > 0 ? true : undefined), 60_000, 200)
      await shop.stop()
      expect(await count('spans | stats count_distinct(service.name)')).toBe(3)
    } finally {
      await shop.stop()
      collector.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(await server.stop()).toBe(0)
    }
  })
})

const systemdAnalyze = systemTool('systemd-analyze', ['/usr/bin/systemd-analyze', 'systemd-analyze'], 'apt-get install -y systemd')

describe.skipIf(systemdAnalyze === undefined)('systemd units', () => {
  it.each(['blazedb.service', 'blazedb-collect.service'])('%s has no unknown or invalid settings', async (name) => {
    const unit = join(ROOT, 'examples/deploy', name)
    const stderr = await new Promise<string>((done) => execFile(systemdAnalyze!, ['verify', unit], (_, __, err) => done(err)))
    // A missing /usr/bin/node or blazedb user on this machine is not the unit's fault.
    const problems = stderr.split('\n').filter((l) => /unknown|invalid|failed to parse|ignoring|not valid/i.test(l))
    expect(problems).toEqual([])
  })
})
