/**
 * @module bench/support/results-file
 * bench/RESULTS.md is written region by region: each benchmark's section sits between
 * `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, so `npm run bench -- --only NAME` replaces
 * that benchmark's region and keeps everything else, including hand-written before/after
 * sections outside any region. The header (date, machine, command of the last run) is rewritten.
 */

export interface BenchSection {
  name: string
  markdown: string
}

const open = (name: string): string => `<!-- bench:${name} -->`
const close = (name: string): string => `<!-- /bench:${name} -->`

/** The region of one benchmark, with the line that says when and how it was measured. */
export function region(section: BenchSection, measured: string): string {
  return [open(section.name), `_${measured}_`, '', section.markdown.trim(), close(section.name)].join('\n')
}

/**
 * `existing` (the file's text, or '' when there is none) with `header` in place of its header
 * (everything before the first `###` heading or region) and each section's region replaced,
 * or appended when the file has none yet.
 */
export function mergeResults(existing: string, header: string, sections: readonly BenchSection[], measured: string): string {
  const bodyStart = firstMatch(existing, [/^### /m, /^<!-- bench:/m])
  let body = bodyStart === -1 ? '' : existing.slice(bodyStart)
  for (const section of sections) {
    const text = region(section, measured)
    const start = body.indexOf(open(section.name))
    const endMarker = close(section.name)
    const end = start === -1 ? -1 : body.indexOf(endMarker, start)
    if (start !== -1 && end !== -1) body = body.slice(0, start) + text + body.slice(end + endMarker.length)
    else body = (body.trimEnd() === '' ? '' : body.trimEnd() + '\n\n') + text + '\n'
  }
  return header.trimEnd() + '\n\n' + body.trimEnd() + '\n'
}

function firstMatch(text: string, patterns: readonly RegExp[]): number {
  const found = patterns.map((p) => text.search(p)).filter((i) => i !== -1)
  return found.length === 0 ? -1 : Math.min(...found)
}
