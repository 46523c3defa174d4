#!/usr/bin/env node
// The `blazedb` command. Node 24 runs the TypeScript sources directly.
import { main, reportError } from '../cli/main.ts'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error) => {
    process.exitCode = reportError(error)
  },
)
