/**
 * The shop's three services. Behaviour depends only on the order number, so a run of orders
 * 0..N-1 always makes the same traffic: order n is slow in the cart when n % 10 = 4 (300 ms), and
 * its payment fails when n % 7 = 3 (the frontend answers 502).
 */
import { metrics } from '@opentelemetry/api'
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs'
import type { IncomingMessage, Server } from 'node:http'
import { tracedFetch, tracedServer } from './http-tracing.ts'

const orders = metrics.getMeter('shop').createCounter('shop.orders', { unit: '{order}', description: 'Orders placed, by outcome.' })

function orderOf(req: IncomingMessage): number {
  return Number(new URL(req.url ?? '/', 'http://x').searchParams.get('order') ?? '0')
}

function log(logger: Logger, severity: 'INFO' | 'WARN' | 'ERROR', body: string, attributes: Record<string, string | number>): void {
  const severityNumber = { INFO: SeverityNumber.INFO, WARN: SeverityNumber.WARN, ERROR: SeverityNumber.ERROR }[severity]
  logger.emit({ severityNumber, severityText: severity, body, attributes })
}

export function cartService(logger: Logger): Server {
  return tracedServer({
    '/cart': async (req, span) => {
      const order = orderOf(req)
      span.setAttribute('shop.order', order)
      if (order % 10 === 4) {
        log(logger, 'WARN', `cart for order ${order} is slow to load`, { 'shop.order': order })
        await new Promise((r) => setTimeout(r, 300))
      }
      const items = [{ sku: 'TEA-01', qty: 1 + (order % 3), price: 4.5 }]
      return { status: 200, body: { order, items } }
    },
  })
}

export function paymentService(logger: Logger): Server {
  return tracedServer({
    '/pay': async (req, span) => {
      const order = orderOf(req)
      span.setAttribute('shop.order', order)
      if (order % 7 === 3) {
        log(logger, 'ERROR', `payment for order ${order} failed: gateway timeout`, { 'shop.order': order })
        throw new Error('payment gateway timeout')
      }
      log(logger, 'INFO', `payment for order ${order} accepted`, { 'shop.order': order })
      return { status: 200, body: { order, paid: true } }
    },
  })
}

export function frontendService(logger: Logger, cartUrl: string, paymentUrl: string): Server {
  return tracedServer({
    '/checkout': async (req, span) => {
      const order = orderOf(req)
      span.setAttribute('shop.order', order)
      const cart = await tracedFetch(`${cartUrl}/cart?order=${order}`)
      const pay = await tracedFetch(`${paymentUrl}/pay?order=${order}`, { method: 'POST', body: cart.body })
      if (pay.status !== 200) {
        orders.add(1, { outcome: 'failed' })
        log(logger, 'ERROR', `checkout of order ${order} failed: payment answered ${pay.status}`, { 'shop.order': order })
        return { status: 502, body: { order, error: 'payment failed' } }
      }
      orders.add(1, { outcome: 'placed' })
      log(logger, 'INFO', `order ${order} placed`, { 'shop.order': order })
      return { status: 200, body: { order, placed: true } }
    },
  })
}
