#!/usr/bin/env bash
# Sends two log records and a span to BlazeDB as OTLP/JSON with curl, then queries them back.
#   BLAZEDB_OTLP_HTTP=127.0.0.1:4318 BLAZEDB_HTTP=127.0.0.1:4319 [BLAZEDB_TOKEN=...] bash examples/clients/curl-otlp-json.sh
set -euo pipefail
OTLP="http://${BLAZEDB_OTLP_HTTP:-127.0.0.1:4318}"
API="http://${BLAZEDB_HTTP:-127.0.0.1:4319}"
AUTH=()
if [ -n "${BLAZEDB_TOKEN:-}" ]; then AUTH=(-H "Authorization: Bearer ${BLAZEDB_TOKEN}"); fi
NOW=$(date +%s)000000000

curl -sS --fail-with-body "${AUTH[@]}" -H 'Content-Type: application/json' "$OTLP/v1/logs" -d @- <<JSON
{"resourceLogs": [{
  "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "curl-example"}}]},
  "scopeLogs": [{"logRecords": [
    {"timeUnixNano": "$NOW", "severityNumber": 9, "severityText": "INFO", "body": {"stringValue": "hello from curl"},
     "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"},
    {"timeUnixNano": "$NOW", "severityNumber": 17, "severityText": "ERROR", "body": {"stringValue": "something failed"},
     "attributes": [{"key": "http.route", "value": {"stringValue": "/cart"}}]}
  ]}]
}]}
JSON
echo

curl -sS --fail-with-body "${AUTH[@]}" -H 'Content-Type: application/json' "$OTLP/v1/traces" -d @- <<JSON
{"resourceSpans": [{
  "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "curl-example"}}]},
  "scopeSpans": [{"spans": [
    {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "GET /cart", "kind": 2,
     "startTimeUnixNano": "$NOW", "endTimeUnixNano": "$((${NOW%000000000} * 1000000000 + 250000000))", "status": {"code": 2, "message": "timeout"}}
  ]}]
}]}
JSON
echo

curl -sS --fail-with-body "${AUTH[@]}" -H 'Content-Type: application/json' "$API/api/v1/query" \
  -d '{"query": "logs last 1h | where service.name = \"curl-example\" | select severity_text, body, trace_id | sort severity_text"}'
echo
curl -sS --fail-with-body "${AUTH[@]}" -H 'Content-Type: application/json' "$API/api/v1/query" \
  -d '{"query": "spans last 1h | where service.name = \"curl-example\" | select name, duration, status"}'
echo
