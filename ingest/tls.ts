/**
 * @module ingest/tls
 * TLS for a listener: its certificate and key (and, for mutual TLS, the CA that signs client
 * certificates) come from a TlsSource that may change them at run time. A change reaches new
 * connections only: node's `setSecureContext` for HTTPS, a grpc-js certificate provider for
 * gRPC; connections already open keep the certificate they started with.
 */
import * as grpc from '@grpc/grpc-js'
import type { ServerOptions as HttpsServerOptions } from 'node:https'
import type { Server as TlsServer } from 'node:tls'

/** PEM bytes a listener serves with. */
export interface TlsMaterial {
  /** Certificate chain, leaf first. */
  cert: Buffer
  key: Buffer
  /** CA certificates that sign client certificates: when set, a client must present one. */
  clientCa?: Buffer
}

/** Where a listener gets its certificate from; owned by whoever reads the files. */
export interface TlsSource {
  current(): TlsMaterial
  /** Calls `listener` with each new material; returns the function that stops it. */
  subscribe(listener: (material: TlsMaterial) => void): () => void
}

/**
 * TLS 1.2 is the oldest version offered: 1.0 and 1.1 are deprecated by RFC 8996.
 */
const MIN_TLS_VERSION = 'TLSv1.2'

/** Options for `https.createServer` (and `setSecureContext`, which takes the context part). */
export function httpsServerOptions(material: TlsMaterial): HttpsServerOptions {
  const mutual = material.clientCa !== undefined
  return {
    cert: material.cert,
    key: material.key,
    ca: material.clientCa,
    requestCert: mutual,
    rejectUnauthorized: mutual,
    minVersion: MIN_TLS_VERSION,
  }
}

/**
 * Keeps a TLS server's certificate in step with `source` for new connections. Returns the
 * function that stops following it (call it when the server closes).
 */
export function followTlsSource(server: TlsServer, source: TlsSource): () => void {
  return source.subscribe((material) => {
    const { cert, key, ca, minVersion } = httpsServerOptions(material)
    server.setSecureContext({ cert, key, ca, minVersion })
  })
}

/**
 * gRPC server credentials that follow `source`: grpc-js asks a certificate provider for the
 * identity (and the client CA for mutual TLS) and rebuilds its secure context on each update.
 */
export function grpcServerCredentials(source: TlsSource): grpc.ServerCredentials {
  const provider = new SourceCertificateProvider(source)
  const mutual = source.current().clientCa !== undefined
  // grpc-js passes its first argument on as the identity provider and its second as the CA
  // provider (the names in its declaration are the other way round); one provider serves both.
  return grpc.experimental.createCertificateProviderServerCredentials(provider, mutual ? provider : null, mutual)
}

type CaListener = grpc.experimental.CaCertificateUpdateListener
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener

class SourceCertificateProvider implements grpc.experimental.CertificateProvider {
  private readonly source: TlsSource
  private readonly stops = new Map<CaListener | IdentityListener, () => void>()

  constructor(source: TlsSource) {
    this.source = source
  }

  addCaCertificateListener(listener: CaListener): void {
    this.add(listener, (m) => listener(m.clientCa === undefined ? null : { caCertificate: m.clientCa }))
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.stops.get(listener)?.()
    this.stops.delete(listener)
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.add(listener, (m) => listener({ certificate: m.cert, privateKey: m.key }))
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.stops.get(listener)?.()
    this.stops.delete(listener)
  }

  /**
   * The first material goes out on the next microtask, as grpc-js's own providers do: it
   * registers its server's watcher only after this call returns, and an update sent before
   * that would never reach the server.
   */
  private add(listener: CaListener | IdentityListener, send: (m: TlsMaterial) => void): void {
    this.stops.set(listener, this.source.subscribe(send))
    queueMicrotask(() => {
      if (this.stops.has(listener)) send(this.source.current())
    })
  }
}
