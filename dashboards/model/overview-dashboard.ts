/**
 * @module dashboards/model/overview-dashboard
 * The dashboard every BlazeDB has: RED (rate, errors, duration) per service from spans, error
 * logs and the slowest traces. Built in and read-only; duplicate it to change it.
 */
import type { Dashboard } from './dashboard-model.ts'

export const OVERVIEW_ID = 'blazedb-overview'

export const OVERVIEW_DASHBOARD: Dashboard = {
  id: OVERVIEW_ID,
  title: 'BlazeDB overview',
  description: 'Request rate, errors and latency of every service (from spans), error logs and the slowest traces.',
  time: { from: 'now-1h', to: 'now' },
  variables: [{ name: 'service', label: 'Service', query: 'spans | stats count() by resource.service.name | sort resource.service.name' }],
  panels: [
    {
      id: 'services',
      title: 'Services: rate, errors, duration',
      type: 'table',
      query:
        'spans | stats count() as requests, rate() as per_second, countif(status = "error") as errors, p50(duration) as p50, p95(duration) as p95, p99(duration) as p99 by resource.service.name as service | extend errors / requests * 100 as error_pct | sort service',
      grid: { x: 0, y: 0, w: 12, h: 4 },
    },
    { id: 'rate', title: 'Requests per second', type: 'timeseries', unit: 'rps', query: 'spans | stats rate() as rps by bin(time, 1m), resource.service.name', grid: { x: 0, y: 4, w: 6, h: 4 } },
    {
      id: 'errors',
      title: 'Errors per minute',
      type: 'bar',
      query: 'spans | where status = "error" | stats count() as errors by bin(time, 1m)',
      grid: { x: 6, y: 4, w: 6, h: 4 },
    },
    {
      id: 'p95',
      title: 'p95 latency by service',
      type: 'timeseries',
      unit: 'ns',
      query: 'spans | stats p95(duration) as p95 by bin(time, 1m), resource.service.name',
      thresholds: [{ value: 500_000_000, color: '#e02f44' }],
      grid: { x: 0, y: 8, w: 6, h: 4 },
    },
    {
      // One service at a time ($service): a panel repeated per service would run a query per
      // service, each reading every span (bench/ui-dashboard.ts).
      id: 'latency',
      title: 'Latency of $service',
      type: 'timeseries',
      unit: 'ns',
      // resource.service.name (not the bare name) lets storage skip other services' blocks.
      query: 'spans | where resource.service.name = $service | stats p50(duration) as p50, p95(duration) as p95, p99(duration) as p99 by bin(time, 1m)',
      thresholds: [{ value: 500_000_000, color: '#e02f44' }],
      grid: { x: 6, y: 8, w: 6, h: 4 },
    },
    {
      id: 'error-ratio',
      title: 'Error ratio',
      type: 'gauge',
      unit: 'percent',
      min: 0,
      max: 100,
      query: 'spans | stats count() as n, countif(status = "error") as errors | extend errors / n * 100 as error_pct | select error_pct',
      thresholds: [
        { value: 0, color: '#16a34a' },
        { value: 1, color: '#f59e0b' },
        { value: 5, color: '#e02f44' },
      ],
      grid: { x: 0, y: 12, w: 3, h: 4 },
    },
    { id: 'spans', title: 'Spans', type: 'stat', query: 'spans | stats count() as spans', grid: { x: 3, y: 12, w: 3, h: 4 } },
    {
      id: 'error-logs',
      title: 'Error logs',
      type: 'logs',
      // The select at the end lets the engine read only these columns (about 10 times faster
      // than whole records over a million logs, bench/ui-dashboard.ts).
      query: 'logs | where severity >= 17 | sort time desc | limit 50 | select time, severity, severity_text, resource.service.name, body, trace_id',
      grid: { x: 6, y: 12, w: 6, h: 6 },
    },
    {
      id: 'slowest',
      title: 'Slowest traces',
      type: 'traces',
      query: 'spans | where not exists(parent_span_id) | sort duration desc | limit 20 | select time, trace_id, resource.service.name, name, duration, status',
      grid: { x: 0, y: 16, w: 6, h: 6 },
    },
  ],
}
