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

/** Imports of `file` inside its own component, as paths from the root. */
function localImports(file: string): string[] {
  const top = file.split('/')[0]
  return imports(file)
    .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)))
    .filter((target) => target.split('/')[0] === top)
}

/** The cycles of an import graph, each as a path that returns to its start. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (f: string): void => {
    state.set(f, 'open')
    stack.push(f)
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push([...stack.slice(stack.indexOf(t)), t])
      else if (state.get(t) === undefined) visit(t)
    }
    stack.pop()
    state.set(f, 'done')
  }
  for (const f of graph.keys()) if (state.get(f) === undefined) visit(f)
  return found
}

function importGraph(files: readonly string[]): Map<string, string[]> {
  return new Map(files.map((f) => [f, localImports(f).filter((t) => files.includes(t))]))
}

describe('layout inside components', () => {
  it('the cycle check finds cycles, long and short, and passes a tree', () => {
    const g = (edges: Record<string, string[]>) => new Map(Object.entries(edges))
    expect(cycles(g({ a: ['b'], b: ['a'] }))).toEqual([['a', 'b', 'a']])
    expect(cycles(g({ a: ['b'], b: ['c'], c: ['d', 'a'], d: [] }))).toEqual([['a', 'b', 'c', 'a']])
    expect(cycles(g({ a: ['b', 'c'], b: ['c'], c: [] }))).toEqual([])
    // The imports are read from the files: eval-expr.ts imports fn-scalar.ts, not the reverse.
    expect(localImports('query/eval-expr.ts')).toContain('query/fn-scalar.ts')
  })

  for (const component of COMPONENTS) {
    it(`${component} has no import cycles among its files (type imports included)`, () => {
      expect(cycles(importGraph(sources(component))).map((c) => c.join(' -> '))).toEqual([])
    })
  }

  /** Stage kinds of query/ast.ts's StageNode union, with the node type of each. */
  function stageKinds(): { kind: string; node: string }[] {
    const ast = readFileSync(join(ROOT, 'query/ast.ts'), 'utf8')
    const union = /export type StageNode = ([^\n]+)/.exec(ast)![1].split('|').map((s) => s.trim())
    return union.map((node) => ({ node, kind: new RegExp(`interface ${node} \\{\\s*readonly kind: '(\\w+)'`).exec(ast)![1] }))
  }

  it('every query stage kind has its op-<kind>.ts, whose definition is its entry in the stage registry', () => {
    const registry = readFileSync(join(ROOT, 'query/stage-registry.ts'), 'utf8')
    const kinds = stageKinds()
    expect(kinds.length).toBeGreaterThanOrEqual(6)
    const problems: string[] = []
    for (const { kind, node } of kinds) {
      const file = `op-${kind.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? '' : '-') + c.toLowerCase())}.ts`
      const entry = new RegExp(`\\n  ${kind}: (\\w+),`).exec(registry)?.[1]
      if (entry === undefined) {
        problems.push(`${kind}: no entry in query/stage-registry.ts`)
        continue
      }
      if (!registry.includes(`import { ${entry} } from './${file}'`)) problems.push(`${kind}: the entry ${entry} is not imported from query/${file}`)
      let text = ''
      try {
        text = readFileSync(join(ROOT, 'query', file), 'utf8')
      } catch {
        problems.push(`${kind}: query/${file} is missing`)
        continue
      }
      if (!text.includes(`export const ${entry}: StageDef<${node}> = {`)) problems.push(`${kind}: query/${file} does not define ${entry} as a StageDef<${node}>`)
    }
    expect(problems).toEqual([])
  })

  it('the query parser, printer, planner and executor reach stages only through the registry', () => {
    const kinds = stageKinds().map((k) => k.kind)
    const problems: string[] = []
    for (const file of ['parser.ts', 'printer.ts', 'planner.ts', 'executor.ts']) {
      const text = readFileSync(join(ROOT, 'query', file), 'utf8')
      for (const kind of kinds) if (text.includes(`'${kind}'`)) problems.push(`query/${file} names stage kind '${kind}'`)
      if (/from '\.\/op-/.test(text)) problems.push(`query/${file} imports an operator file`)
    }
    expect(problems).toEqual([])
  })
})
