import { runCli } from './main'
import { addServeCommand } from './serveCommand'

runCli(process.argv.slice(2), undefined, addServeCommand).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`❌ ${(error as Error)?.stack ?? String(error)}\n`)
    process.exitCode = 1
  },
)
