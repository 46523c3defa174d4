/**
 * @module alerts/receiver-email
 * Email over SMTP (nodemailer): subject the notification's title, a plain-text body with every
 * alert's annotations and labels.
 */
import { createTransport } from 'nodemailer'
import { titleOf, textOf, type Integration } from './notification.ts'

export interface EmailOptions {
  to: string
  from: string
  /** host:port of the SMTP server. */
  smarthost: string
  /** Refuse to send without STARTTLS. */
  requireTls?: boolean
  username?: string
  password?: string
}

export function emailIntegration(id: string, o: EmailOptions, timeoutMs: number): Integration {
  const at = o.smarthost.lastIndexOf(':')
  const transport = createTransport({
    host: o.smarthost.slice(0, at),
    port: Number(o.smarthost.slice(at + 1)),
    secure: false,
    requireTLS: o.requireTls === true,
    ignoreTLS: o.requireTls !== true && o.username === undefined,
    auth: o.username === undefined ? undefined : { user: o.username, pass: o.password ?? '' },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  })
  return {
    id,
    timeoutMs,
    async send(n, signal) {
      signal.throwIfAborted()
      const sending = transport.sendMail({ from: o.from, to: o.to, subject: titleOf(n), text: `${textOf(n)}\n` })
      await new Promise<void>((done, fail) => {
        const abort = () => fail(signal.reason)
        signal.addEventListener('abort', abort, { once: true })
        sending.then(() => done(), fail).finally(() => signal.removeEventListener('abort', abort))
      })
    },
  }
}
