/**
 * @module ingest/otlp-grpc/server
 * OTLP/gRPC with @grpc/grpc-js: the Export method of TraceService, MetricsService and
 * LogsService. Messages pass through as bytes and are decoded in the handler, so a malformed
 * one is INVALID_ARGUMENT (a throwing deserializer would surface as INTERNAL). gzip is handled
 * by grpc-js; max message size comes from the options.
 * Spec: opentelemetry-proto docs/specification.md, "OTLP/gRPC".
 */
import * as grpc from '@grpc/grpc-js'
import { ingestTenant } from '../access-check.ts'
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../idempotency-key.ts'
import { RETRY_AFTER_SECONDS } from '../limits.ts'
import { formatHostPort, resolveOptions, serverHandle, type OtlpRuntime, type OtlpServer, type OtlpServerOptions } from '../options.ts'
import type { OtlpSignal } from '../otlp/decoder.ts'
import { exportResponse, retryInfoDetail, statusMessage } from '../otlp/response.ts'
import { STATUS_TABLE } from '../status-table.ts'
import { grpcServerCredentials } from '../tls.ts'

/** Full method paths, from opentelemetry/proto/collector/{trace,metrics,logs}/v1/*_service.proto. */
export const GRPC_EXPORT_PATHS: Readonly<Record<OtlpSignal, string>> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
}

/** How long grpc-js may take to finish calls in progress at close before it cuts them. */
const SHUTDOWN_GRACE_MS = 5000

const identity = (b: Buffer): Buffer => b

function exportService(signal: OtlpSignal): grpc.ServiceDefinition {
  return {
    Export: {
      path: GRPC_EXPORT_PATHS[signal],
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  }
}

/**
 * Starts an OTLP/gRPC listener.
 * @example
 * const server = await startOtlpGrpc({ store, port: 0 })
 * // an OTLP gRPC exporter with url `http://${server.address}`
 * await server.close()
 */
export async function startOtlpGrpc(options: OtlpServerOptions): Promise<OtlpServer> {
  const rt = resolveOptions(options)
  const server = new grpc.Server({
    'grpc.max_receive_message_length': rt.maxRequestBytes,
  })
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    server.addService(exportService(signal), { Export: exportHandler(rt, signal) })
  }
  const credentials = rt.tls === undefined ? grpc.ServerCredentials.createInsecure() : grpcServerCredentials(rt.tls)
  let port: number
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(formatHostPort(rt.host, rt.port), credentials, (error, bound) => (error ? reject(error) : resolve(bound)))
    })
  } catch (error) {
    await rt.pipeline.close()
    throw error
  }
  const close = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS)
      server.tryShutdown(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  return serverHandle(rt, port, close)
}

function exportHandler(rt: OtlpRuntime, signal: OtlpSignal): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    rt.pipeline.metrics.request('grpc')
    const lease = rt.inflight.lease()
    const run = async () => {
      const authorization = call.metadata.get('authorization')[0]
      const tenant = await ingestTenant(rt.access, typeof authorization === 'string' ? authorization : authorization?.toString())
      const key = call.metadata.get(IDEMPOTENCY_KEY_HEADER).map(String)
      const idempotencyKey = parseIdempotencyKey(key.length === 0 ? undefined : key)
      lease.grow(call.request.length)
      return rt.pipeline.export(tenant, signal, 'protobuf', call.request, false, idempotencyKey, lease)
    }
    run().then(
      (result) => callback(null, exportResponse(signal, 'protobuf', result.rejected, result.message)),
      (error: unknown) => {
        const e = rt.pipeline.failed(error)
        const answer = STATUS_TABLE[e.code]
        const metadata = new grpc.Metadata()
        const details = answer.retryable ? [retryInfoDetail(RETRY_AFTER_SECONDS)] : []
        metadata.set('grpc-status-details-bin', statusMessage('protobuf', answer.grpc, e.message, details))
        callback({ code: answer.grpc, details: e.message, metadata })
      },
    ).finally(() => lease.release())
  }
}
