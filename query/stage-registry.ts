/**
 * @module query/stage-registry
 * Every pipe stage by kind (LANGUAGE.md, one section per operator from "where" to "join"), one
 * entry per kind of StageNode: a kind without an entry, or an entry missing a piece of
 * StageDef, does not compile. The order is the order the parser lists operators in its messages.
 */
import type { StageKind, StageNode } from './ast.ts'
import { joinStage } from './op-join.ts'
import { limitStage } from './op-limit.ts'
import { selectStage } from './op-select.ts'
import { sortStage } from './op-sort.ts'
import { statsStage } from './op-stats.ts'
import { whereStage } from './op-where.ts'
import type { StageDef } from './stage-def.ts'

export const STAGES: { readonly [K in StageKind]: StageDef<Extract<StageNode, { kind: K }>> } = {
  Where: whereStage,
  Select: selectStage,
  Sort: sortStage,
  Limit: limitStage,
  Stats: statsStage,
  Join: joinStage,
}

/** The definition of a node's stage kind. */
export function stageDef(node: StageNode): StageDef<StageNode> {
  return STAGES[node.kind]
}

/** The stage definitions by the words that start them in query text, in STAGES order. */
export const STAGE_WORDS: ReadonlyMap<string, StageDef<StageNode>> = new Map(
  Object.values(STAGES).flatMap((def: StageDef<StageNode>) => def.words.map((word) => [word, def] as const)),
)
