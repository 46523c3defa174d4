/**
 * @module dashboards/server/bundle
 * Bundles the browser code (dashboards/web/, TypeScript) with esbuild into memory when the
 * server starts: one JavaScript and one CSS file (ours and uPlot's), minified, named by a hash
 * of their bytes so that browsers may cache them for good. Nothing is written to disk.
 */
import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { build } from 'esbuild'
import { DashboardsError } from '../errors.ts'

export interface Asset {
  /** URL path, like /ui/app-1a2b3c4d.js */
  readonly path: string
  readonly contentType: string
  readonly body: Uint8Array
}

export interface Bundle {
  readonly js: Asset
  readonly css: Asset
}

const WEB_ENTRY = resolve(import.meta.dirname, '../web/main.ts')

function asset(kind: 'js' | 'css', body: Uint8Array): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12)
  const contentType = kind === 'js' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8'
  return { path: `/ui/app-${hash}.${kind}`, contentType, body }
}

/**
 * Builds the browser bundle. Throws DashboardsError BUNDLE_FAILED with esbuild's messages.
 * @example const { js, css } = await bundleWeb()
 */
export async function bundleWeb(): Promise<Bundle> {
  let result
  try {
    result = await build({
      entryPoints: [WEB_ENTRY],
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
      outdir: 'out',
      logLevel: 'silent',
      legalComments: 'eof',
      charset: 'utf8',
    })
  } catch (error) {
    throw new DashboardsError('BUNDLE_FAILED', `cannot bundle the web UI: ${(error as Error).message}`, { cause: error })
  }
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))
  if (js === undefined || css === undefined) throw new DashboardsError('BUNDLE_FAILED', 'cannot bundle the web UI: esbuild gave no .js or no .css output')
  return { js: asset('js', js.contents), css: asset('css', css.contents) }
}
