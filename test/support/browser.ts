/**
 * @module test/support/browser
 * A real browser for the web UI's end-to-end tests: playwright-core driving the system's
 * chromium (Playwright's own download cannot work offline), headless, with a fresh profile.
 * Screenshots go to test/.artifacts/ (ignored by git) for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { systemTool } from './system-tool.ts'

/** The chromium binary, or undefined when missing and not required (tests then skip). */
export const CHROMIUM = systemTool('chromium', ['/usr/bin/chromium', 'chromium'], 'apt-get install -y chromium')

export const ARTIFACTS = resolve(import.meta.dirname, '../.artifacts')

export interface UiBrowser {
  readonly context: BrowserContext
  /** A new tab that records console errors, page errors, CSP violations and requests leaving `origin`. */
  newPage(origin: string, viewport?: { width: number; height: number }): Promise<WatchedPage>
  close(): Promise<void>
}

export interface WatchedPage {
  readonly page: Page
  /** What went wrong so far: tests expect it to stay empty. */
  readonly problems: string[]
}

export async function launchBrowser(): Promise<UiBrowser> {
  if (CHROMIUM === undefined) throw new Error('cannot launch chromium: it is not installed')
  const profile = mkdtempSync(join(tmpdir(), 'blazedb-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1280, height: 800 },
    timezoneId: 'UTC',
    locale: 'en-US',
  })
  return {
    context,
    async newPage(origin, viewport) {
      const page = await context.newPage()
      if (viewport) await page.setViewportSize(viewport)
      const problems: string[] = []
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
      page.on('request', (r) => {
        const url = r.url()
        if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`request to another origin: ${url}`)
      })
      await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))" })
      return { page, problems }
    },
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/**
 * Saves the whole page as test/.artifacts/<name>.png and returns its path. The viewport grows to
 * the page's height first and the page gets two frames to lay out, so that charts sized by a
 * ResizeObserver are drawn at their final size (a fullPage capture would not wait for them).
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  const viewport = page.viewportSize()!
  const height = Math.min(4000, await page.evaluate<number>('document.documentElement.scrollHeight'))
  if (height > viewport.height) await page.setViewportSize({ width: viewport.width, height })
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))')
  await page.screenshot({ path })
  if (height > viewport.height) await page.setViewportSize(viewport)
  return path
}
