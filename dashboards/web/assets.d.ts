/** CSS files imported for their side effect: esbuild bundles them into the shipped CSS. */
declare module '*.css'
