/**
 * @module alerts/rule-file
 * Reads rule files, YAML or JSON (YAML is a superset of JSON, so one parser reads both), and
 * keeps the place of every value so that a message points at the line and column.
 */
import { readFile } from 'node:fs/promises'
import { isScalar, LineCounter, parseDocument, Scalar } from 'yaml'
import { AlertError } from './errors.ts'
import { MAX_RULE_FILE_BYTES } from './limits.ts'
import type { RuleGroup } from './rule-model.ts'
import { parseRuleGroups } from './rule-parse.ts'

/** The groups of one rule file's text; `source` names the file in messages. */
export function parseRuleText(text: string, source: string, defaultTenant?: string): RuleGroup[] {
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const at = lines.linePos(e.pos[0])
    throw new AlertError('INVALID_RULE', `${source}:${at.line}:${at.col}: cannot parse rule file: ${e.message.split('\n')[0]}`, { file: source, line: at.line, column: at.col })
  }
  const nodeAt = (path: readonly (string | number)[]) => {
    // The deepest node that exists on the path (a missing field points at its parent).
    for (let n = path.length; n >= 0; n--) {
      const node = path.length === 0 ? doc.contents : doc.getIn(path.slice(0, n), true)
      if (node !== undefined && node !== null && typeof node === 'object' && 'range' in node && Array.isArray(node.range)) return node as { range: [number, number, number] }
      if (n === 0) return undefined
    }
    return undefined
  }
  const locate = (path: readonly (string | number)[]) => {
    const node = nodeAt(path)
    if (node === undefined) return undefined
    const p = lines.linePos(node.range[0])
    return { line: p.line, column: p.col }
  }
  const locateInQuery = (path: readonly (string | number)[], qline: number, qcol: number) => {
    const node = doc.getIn(path, true)
    if (!isScalar(node) || node.range === undefined || node.range === null) return undefined
    const start = lines.linePos(node.range[0])
    switch (node.type) {
      case Scalar.BLOCK_LITERAL: {
        // Content starts on the line after the indicator; its first line sets the indentation.
        const first = text.split('\n')[start.line] ?? ''
        const indent = first.length - first.trimStart().length
        return { line: start.line + qline, column: indent + qcol }
      }
      case Scalar.PLAIN:
      case Scalar.QUOTE_DOUBLE:
      case Scalar.QUOTE_SINGLE: {
        // Exact for a query on one line without escapes; otherwise the scalar's start.
        if (qline !== 1) return { line: start.line, column: start.col }
        return { line: start.line, column: start.col + qcol - 1 + (node.type === Scalar.PLAIN ? 0 : 1) }
      }
      default:
        return { line: start.line, column: start.col }
    }
  }
  return parseRuleGroups(doc.toJS({ maxAliasCount: 100 }), { source, locate, locateInQuery, defaultTenant })
}

/** Reads and checks every file; throws AlertError naming the first bad file and rule. */
export async function loadRuleFiles(files: readonly string[]): Promise<RuleGroup[]> {
  const groups: RuleGroup[] = []
  const seen = new Set<string>()
  for (const file of files) {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      throw new AlertError('READ_FAILED', `${file}: cannot read rule file: ${(error as Error).message}`, { file, cause: error })
    }
    if (text.length > MAX_RULE_FILE_BYTES) throw new AlertError('INVALID_RULE', `${file}: cannot load rule file: ${text.length} bytes, the limit is ${MAX_RULE_FILE_BYTES}`, { file })
    for (const group of parseRuleText(text, file)) {
      const key = `${group.tenant}/${group.name}`
      if (seen.has(key)) throw new AlertError('INVALID_RULE', `${file}: group ${JSON.stringify(group.name)}: cannot load group: another file has a group of that name for tenant ${group.tenant}`, { file, group: group.name })
      seen.add(key)
      groups.push(group)
    }
  }
  return groups
}
