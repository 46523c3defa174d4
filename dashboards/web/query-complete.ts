/**
 * @module dashboards/web/query-complete
 * Autocomplete for the query editor (filled in with the catalog API).
 */
import type { QueryEditor } from './query-editor.ts'
import type { ResolvedRange } from './time-range.ts'

export function attachCompletion(_editor: QueryEditor, _range: () => ResolvedRange): void {}
