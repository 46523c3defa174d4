/**
 * @module dashboards/server/security-headers
 * Headers for every UI response. Telemetry is untrusted, so the page allows no inline script and
 * nothing from elsewhere (CSP `default-src 'self'`); pages cannot be framed except embed pages by
 * the origins the configuration allows (`frame-ancestors`); no URL leaks through Referer.
 * CSP Level 3: https://www.w3.org/TR/CSP3/
 */

export interface SecurityOptions {
  /** Origins allowed to frame embed pages, like https://wiki.example.com; empty: none. */
  embedOrigins: readonly string[]
}

/** The Content-Security-Policy of a page; `embed` pages may be framed by `embedOrigins`. */
export function contentSecurityPolicy(embed: boolean, options: SecurityOptions): string {
  const ancestors = embed && options.embedOrigins.length > 0 ? options.embedOrigins.join(' ') : "'none'"
  return [
    "default-src 'self'",
    "script-src 'self'",
    // uPlot sizes its canvas and cursor through element.style (CSSOM), which CSP allows; no inline <style>.
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors}`,
  ].join('; ')
}

/** Every header a UI response carries. */
export function securityHeaders(embed: boolean, options: SecurityOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': contentSecurityPolicy(embed, options),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  }
  if (!embed) {
    headers['x-frame-options'] = 'DENY'
    headers['cross-origin-opener-policy'] = 'same-origin'
  }
  return headers
}
