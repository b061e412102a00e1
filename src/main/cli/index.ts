// The `warden` command. Loads only what the command needs: `--version` reads one small file, and
// everything else is imported once the arguments say what is asked.
import { readFileSync } from 'node:fs'

const args = process.argv.slice(2)

function ownVersion(): string | null {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string }
      if (pkg.name === 'warden' && pkg.version) return pkg.version
    } catch {
      // not there: try the next place (bundled vs. from source)
    }
  }
  return null
}

const version = args.length === 1 && (args[0] === '--version' || args[0] === '-V') ? ownVersion() : null
if (version) {
  process.stdout.write(`${version}\n`)
} else {
  const [{ runCli }, { addServeCommand }] = await Promise.all([import('./main'), import('./serveCommand')])
  await runCli(args, undefined, addServeCommand).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`❌ ${(error as Error)?.stack ?? String(error)}\n`)
      process.exitCode = 1
    },
  )
}
