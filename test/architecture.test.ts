/**
 * Dependencies point one way: storage imports nothing of the project; access imports storage;
 * ingest and query import only storage's and access's public faces; no source file imports
 * test helpers; components import each other only through index.ts.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '..')
const COMPONENTS = ['storage', 'access', 'ingest', 'query', 'dashboards', 'alerts', 'collectors', 'cli', 'workload'] as const
/** Which components each may import. */
const ALLOWED: Record<(typeof COMPONENTS)[number], readonly string[]> = {
  storage: [],
  access: ['storage'],
  ingest: ['storage', 'access'],
  query: ['storage', 'access'],
  dashboards: ['query', 'storage', 'access'],
  alerts: ['query', 'storage', 'access'],
  collectors: ['ingest', 'storage', 'access'],
  cli: ['storage', 'access', 'ingest', 'query', 'dashboards', 'alerts', 'collectors'],
  workload: ['storage'],
}

function sources(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
  } catch {
    return []
  }
  return entries.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(dir, f))
}

function imports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8')
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]).filter((p) => p.startsWith('.'))
}

describe('architecture', () => {
  for (const component of COMPONENTS) {
    it(`${component} imports only ${ALLOWED[component].join(', ') || 'nothing of the project'}, through index.ts`, () => {
      const problems: string[] = []
      for (const file of sources(component)) {
        for (const spec of imports(file)) {
          const target = relative(ROOT, resolve(ROOT, dirname(file), spec))
          const top = target.split('/')[0]
          if (top === component) continue
          if (top === 'test') problems.push(`${file} imports test helper ${target}`)
          else if (!ALLOWED[component].includes(top)) problems.push(`${file} imports ${target}: ${component} may not depend on ${top}`)
          else if (target !== `${top}/index.ts`) problems.push(`${file} imports ${target}: use ${top}/index.ts`)
        }
      }
      expect(problems).toEqual([])
    })
  }
})
