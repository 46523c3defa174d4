/**
 * @module dashboards/server/shell-html
 * The one HTML page every UI URL answers with; the bundled script renders the page the URL
 * names (client-side routing). No inline script or style: the CSP forbids them.
 */
import type { Bundle } from './bundle.ts'

/** The page's HTML, linking the bundle's hashed assets. */
export function shellHtml(bundle: Bundle): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>BlazeDB</title>
<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${bundle.css.path}">
<script type="module" src="${bundle.js.path}"></script>
</head>
<body>
<noscript>The BlazeDB web UI needs JavaScript.</noscript>
</body>
</html>
`
}

/** A small flame, drawn locally (no asset is fetched from elsewhere). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path fill="#f97316" d="M8 1c1 3 4 4 4 8a4 4 0 0 1-8 0c0-2 1-3 2-4 0 2 1 3 2 3 0-3-1-4 0-7z"/></svg>`
