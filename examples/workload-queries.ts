/**
 * @module examples/workload-queries
 * Generate the repository's test workload, load it into an in-memory store, and ask it a few
 * questions: the slowest operations, errors per service, and error logs joined to their spans.
 * Run: node examples/workload-queries.ts
 */
import { runQuery } from '../query/index.ts'
import { MemoryStore } from '../storage/index.ts'
import { appendWorkload, generateWorkload } from '../workload/index.ts'

const workload = generateWorkload({ spans: 5_000, logs: 5_000, minutes: 10 })
const store = new MemoryStore()
await appendWorkload(store, workload)
console.log(`loaded ${workload.spans.length} spans, ${workload.logs.length} log records, ${workload.points.length} metric points`)

const questions = [
  'spans | stats count(), p99(duration) by service.name, name | sort p99_duration desc, service.name, name | limit 5',
  'spans | stats count() as spans, countif(status = "error") as errors by service.name | sort errors desc, service.name | limit 3',
  'logs | where severity >= 17 | join spans as span on trace_id, span_id | stats count() by span.name | sort count desc, span.name | limit 3',
]
for (const query of questions) {
  const result = await runQuery(query, { store })
  console.log(`\n${query}`)
  console.log(result.columns.map((c) => c.name).join('\t'))
  for (const row of result.rows) console.log(row.join('\t'))
}
