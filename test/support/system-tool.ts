/**
 * @module test/support/system-tool
 * Tests that need a program of the operating system (chromium, prometheus, alertmanager, node
 * exporter, logger) skip with a reason on a developer's machine that lacks it, but fail where
 * the program is required: in CI (`CI` set, as `.ci/run` is run) or with
 * `BLAZEDB_REQUIRE_SYSTEM_TOOLS=1`. `.ci/run` installs every such program.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'

/** True when missing system programs must fail the suite instead of skipping tests. */
export function systemToolsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BLAZEDB_REQUIRE_SYSTEM_TOOLS === '1' || (env.CI !== undefined && env.CI !== '' && env.CI !== 'false')
}

/** The absolute path of the first executable among `candidates` (absolute paths or names looked up on PATH). */
export function findProgram(candidates: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const candidate of candidates) {
    const paths = candidate.includes('/') ? [candidate] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, candidate))
    for (const path of paths) {
      try {
        accessSync(path, constants.X_OK)
        return path
      } catch {
        // not here; try the next one
      }
    }
  }
  return undefined
}

/**
 * Finds a system program for a test file. Returns its path, or undefined when it is missing and
 * not required (the caller then skips, e.g. `describe.skipIf(chromium === undefined)`); throws
 * when it is missing and required, so that the suite fails instead of passing without the test.
 * @example const chromium = systemTool('chromium', ['/usr/bin/chromium', 'chromium'], 'apt-get install -y chromium')
 */
export function systemTool(name: string, candidates: readonly string[], install: string): string | undefined {
  const found = findProgram(candidates)
  if (found !== undefined) return found
  const message = `${name} is not installed (${install}); the tests that need it are skipped`
  if (systemToolsRequired()) throw new Error(`cannot run the tests that need ${name}: ${message.replace('; the tests that need it are skipped', '')}, and CI requires it`)
  console.warn(`skipping: ${message}`)
  return undefined
}
