/**
 * The contracts between the deployment files and the code, read the way Docker reads them (no
 * Docker engine runs here): docker-compose.yml parsed as YAML, the Dockerfile by instruction.
 * Ports, volumes and the data directory agree across both; every BLAZEDB_* variable they set is
 * one the server reads (cli/config.ts ENV_VARS) and every shop variable one the shop reads; the
 * image runs as a non-root user; and the HEALTHCHECK command itself, run against the real server,
 * passes while it serves and fails once it stopped; so does the TLS overlay's, over TLS.
 * test/deploy.test.ts runs the topology.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { describe, expect, it } from 'vitest'
import { ENV_VARS } from '../cli/config.ts'
import { startServerProcess } from './support/server-process.ts'
import { issue, makeCa, OPENSSL } from './support/test-ca.ts'

const ROOT = resolve(import.meta.dirname, '..')

interface Service {
  build?: string | { context: string; target?: string }
  image?: string
  command?: string[]
  environment?: Record<string, string>
  env_file?: string | string[]
  ports?: string[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { disable?: boolean; test?: string[] }
  configs?: { source: string; target: string }[]
}
const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown>; configs?: Record<string, { file: string }> }
const composeTls = parseYaml(readFileSync(join(ROOT, 'docker-compose.tls.yml'), 'utf8')) as { services: Record<string, Service & { volumes: { source: string; target: string; read_only: boolean }[] }> }

/** Runs a health check's command (`node -e ...`) as Docker would, here; resolves to its exit code. */
function runCheck(args: string[]): Promise<number> {
  return new Promise((done) => execFile(process.execPath, args, (error) => done(error === null ? 0 : ((error.code as number | undefined) ?? -1))))
}

/** The Dockerfile's instructions by stage (the last stage is the image `docker build .` makes); continuation lines joined. */
function dockerfileStages(): { name: string; lines: string[] }[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, '')
  const stages: { name: string; lines: string[] }[] = []
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '' || line.startsWith('#')) continue
    const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?$/i.exec(line)
    if (from !== null) stages.push({ name: from[1] ?? '', lines: [] })
    else stages.at(-1)!.lines.push(line)
  }
  return stages
}
const stages = dockerfileStages()
const image = stages.at(-1)!
const instruction = (stage: { lines: string[] }, name: string): string[] => stage.lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim())
/** ENV lines of the image: `K=V K2=V2` pairs. */
const imageEnv: Record<string, string> = Object.fromEntries(instruction(image, 'ENV').flatMap((l) => [...l.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]])))

const builtFromImage = (s: Service): boolean => s.build === '.' || (typeof s.build === 'object' && s.build.target === undefined)
const portOf = (addr: string): string => addr.slice(addr.lastIndexOf(':') + 1)

describe('Dockerfile and docker-compose.yml', () => {
  it('the image runs blazedb as the unprivileged node user, data in its volume, the ports it listens on exposed', () => {
    expect(instruction(image, 'USER')).toEqual(['node'])
    expect(JSON.parse(instruction(image, 'ENTRYPOINT')[0])).toEqual(['node', 'bin/blazedb.js'])
    expect(JSON.parse(instruction(image, 'CMD')[0])).toEqual(['serve'])
    const volumes = JSON.parse(instruction(image, 'VOLUME')[0]) as string[]
    expect(volumes).toEqual(['/var/lib/blazedb'])
    expect(imageEnv.BLAZEDB_DATA_DIR.startsWith(`${volumes[0]}/`)).toBe(true)
    const listening = ['BLAZEDB_OTLP_GRPC_ADDR', 'BLAZEDB_OTLP_HTTP_ADDR', 'BLAZEDB_HTTP_ADDR'].map((k) => imageEnv[k])
    for (const addr of listening) expect(addr.startsWith('0.0.0.0:'), addr).toBe(true) // reachable from outside the container
    expect(instruction(image, 'EXPOSE')[0].split(/\s+/)).toEqual(listening.map(portOf))
    // Production dependencies only, installed in a stage the image copies node_modules from.
    const deps = stages.find((s) => instruction(s, 'RUN').some((r) => r.startsWith('npm ci --omit=dev')))
    expect(deps?.name).not.toBe('')
    expect(instruction(image, 'COPY')).toContain(`--from=${deps!.name} /app/node_modules ./node_modules`)
  })

  it('compose publishes the image\'s ports, keeps data in a named volume at the image\'s VOLUME, and builds stages that exist', () => {
    const blazedb = compose.services.blazedb
    expect(builtFromImage(blazedb)).toBe(true)
    const exposed = instruction(image, 'EXPOSE')[0].split(/\s+/)
    expect(blazedb.ports).toEqual(exposed.map((p) => `${p}:${p}`))
    expect(blazedb.volumes).toEqual(['blazedb-data:/var/lib/blazedb'])
    for (const service of Object.values(compose.services)) {
      for (const v of service.volumes ?? []) {
        const source = v.split(':')[0]
        if (!source.startsWith('.') && !source.startsWith('/')) expect(Object.keys(compose.volumes), v).toContain(source)
      }
      if (typeof service.build === 'object' && service.build.target !== undefined) expect(stages.map((s) => s.name)).toContain(service.build.target)
      // Configs name a top-level config whose file is in the checkout, mounted at an absolute path.
      for (const c of service.configs ?? []) {
        expect(c.target.startsWith('/'), c.target).toBe(true)
        expect(existsSync(join(ROOT, compose.configs?.[c.source]?.file ?? '(no such config)')), c.source).toBe(true)
      }
    }
  })

  it('every variable set for blazedb is one the server reads, and every shop variable one the shop reads', () => {
    const known = new Set<string>([...Object.keys(ENV_VARS), 'BLAZEDB_CONFIG'])
    const envFile = readFileSync(join(ROOT, 'examples/deploy/blazedb.env.example'), 'utf8')
    const set = [...Object.keys(imageEnv), ...[...envFile.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1])]
    for (const service of Object.values(compose.services).filter(builtFromImage)) set.push(...Object.keys(service.environment ?? {}))
    expect(set.filter((k) => k.startsWith('BLAZEDB_') && !known.has(k))).toEqual([])
    expect(set).toContain('BLAZEDB_PASSWORD')

    const shopSource = readdirSync(join(ROOT, 'examples/shop')).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join(ROOT, 'examples/shop', f), 'utf8')).join('\n')
    const shopReads = new Set([...shopSource.matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => m[1]))
    const shopStage = stages.find((s) => s.name === 'shop')!
    const shopServices = Object.entries(compose.services).filter(([, s]) => typeof s.build === 'object' && s.build.target === 'shop')
    expect(shopServices.map(([name]) => name).sort()).toEqual(['cart', 'frontend', 'load', 'payment'])
    for (const [name, service] of shopServices) {
      for (const key of [...Object.keys(service.environment ?? {}), ...instruction(shopStage, 'ENV').map((l) => l.split('=')[0])]) expect(shopReads.has(key), `${name}: ${key}`).toBe(true)
      // URLs name a shop service and the port its command listens on; OTLP goes to blazedb's ports.
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        const m = /^(?:http:\/\/)?([\w-]+):(\d+)$/.exec(value)
        expect(m, `${name}: ${key}=${value}`).not.toBeNull()
        if (m![1] === 'blazedb') expect(instruction(image, 'EXPOSE')[0].split(/\s+/), `${name}: ${key}`).toContain(m![2])
        else expect(compose.services[m![1]]?.command?.[1], `${name}: ${key}=${value}`).toBe(m![2])
      }
    }
  })

  it('services wait for blazedb only through a health check the image has', () => {
    expect(instruction(image, 'HEALTHCHECK')).toHaveLength(1)
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dep, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(compose.services[dep], `${name} depends on ${dep}`).toBeDefined()
        if (condition === 'service_healthy') expect(builtFromImage(compose.services[dep]) && compose.services[dep].healthcheck?.disable !== true, `${name} waits for ${dep} to be healthy`).toBe(true)
      }
    }
  })

  it('the HEALTHCHECK command passes against the real server and fails once it stopped', async () => {
    const line = instruction(image, 'HEALTHCHECK')[0]
    const cmd = JSON.parse(/\bCMD\s+(\[.*\])$/.exec(line)![1]) as string[]
    expect(cmd[0]).toBe('node')
    const port = portOf(imageEnv.BLAZEDB_HTTP_ADDR)
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-healthcheck-'))
    const server = await startServerProcess(join(dir, 'data'))
    // The same command, aimed at the port this server got instead of the image's.
    const args = cmd.slice(1).map((a) => a.replaceAll(`127.0.0.1:${port}`, server.http))
    expect(args.join(' ')).toContain(`${server.http}/healthz`)
    const run = (): Promise<number> => runCheck(args)
    try {
      expect(await run()).toBe(0)
    } finally {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(await run()).toBe(1)
  })

  it.skipIf(OPENSSL === undefined)('the TLS overlay sets variables the server reads, mounts the files where they point, and its health check passes over TLS', async () => {
    const tls = composeTls.services.blazedb
    const env = tls.environment ?? {}
    expect(Object.keys(env).filter((k) => !(k in ENV_VARS))).toEqual([])
    const mount = tls.volumes[0]
    expect(mount.read_only).toBe(true)
    for (const k of ['BLAZEDB_TLS_CERT_FILE', 'BLAZEDB_TLS_KEY_FILE']) expect(env[k].startsWith(`${mount.target}/`), k).toBe(true)
    const cmd = tls.healthcheck!.test!
    expect(cmd.slice(0, 2)).toEqual(['CMD', 'node'])
    const port = portOf(imageEnv.BLAZEDB_HTTP_ADDR)
    expect(cmd.join(' ')).toContain(`port:${port}`)

    const dir = mkdtempSync(join(tmpdir(), 'blazedb-healthcheck-tls-'))
    const ca = makeCa(dir, 'ca')
    const cert = issue(dir, ca, 'server', 'server')
    const server = await startServerProcess(join(dir, 'data'), { BLAZEDB_TLS_CERT_FILE: cert.certFile, BLAZEDB_TLS_KEY_FILE: cert.keyFile })
    const args = cmd.slice(2).map((a) => a.replace(`port:${port}`, `port:${portOf(server.http)}`))
    try {
      expect(await runCheck(args)).toBe(0)
    } finally {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(await runCheck(args)).toBe(1)
  })
})
