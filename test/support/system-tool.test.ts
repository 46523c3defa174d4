import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findProgram, systemToolsRequired } from './system-tool.ts'

describe('system tools', () => {
  it('finds an executable by absolute path or on PATH, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blazedb-tool-'))
    writeFileSync(join(dir, 'exe'), '#!/bin/sh\n', { mode: 0o755 })
    writeFileSync(join(dir, 'plain'), 'x', { mode: 0o644 })
    expect(findProgram([join(dir, 'exe')])).toBe(join(dir, 'exe'))
    expect(findProgram(['exe'], { PATH: dir })).toBe(join(dir, 'exe'))
    expect(findProgram(['plain', join(dir, 'missing')], { PATH: dir })).toBeUndefined()
  })

  it('requires the programs in CI and when asked to', () => {
    expect(systemToolsRequired({ CI: 'true' })).toBe(true)
    expect(systemToolsRequired({ BLAZEDB_REQUIRE_SYSTEM_TOOLS: '1' })).toBe(true)
    expect(systemToolsRequired({ CI: 'false' })).toBe(false)
    expect(systemToolsRequired({})).toBe(false)
  })
})
