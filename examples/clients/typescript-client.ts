/**
 * The TypeScript client: queries a running BlazeDB with the query builder and prints the rows.
 *   node examples/clients/typescript-client.ts [http://127.0.0.1:4319] [token]
 */
import { connect } from '../../query/index.ts'

const [server = 'http://127.0.0.1:4319', token] = process.argv.slice(2)
const db = connect(server, { token })

// Errors per service over the last hour, the worst first.
const errors = await db.query('logs', { last: '1h' }).where('severity', '>=', 17).stats({ errors: 'count()' }, ['service.name']).orderBy('errors', 'desc').run()
console.log(errors.columns.map((c) => c.name).join('\t'))
for (const row of errors.rows) console.log(row.join('\t'))

// The slowest spans, as text written by hand.
const slow = await db.run('spans last 1h | sort duration desc | limit 3 | select service.name, name, duration')
for (const row of slow.rows) console.log(row.join('\t'))
