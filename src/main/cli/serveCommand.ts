import type { Command } from 'commander'
import { WardenHost } from '../services/host/WardenHost'
import { logger, startProcessLog } from '../services/logging/processLog'
import { resolveWardenHome } from '../services/storage/paths'

/** `warden serve [--port N] [--demo]`: the headless server for the same UI, on 127.0.0.1. */
export function addServeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('Serve the Warden UI and API headless on 127.0.0.1 (prints the URL with its token)')
    .option('--port <n>', 'port (0 picks a free one)', '0')
    .option('--demo [dir]', 'create and open a demo workspace (in a temp folder unless DIR is given)')
    .option('--no-open-last', 'do not reopen the workspace used last')
    .action(async (opts: { port: string; demo?: string | boolean; openLast: boolean }) => {
      const global = program.opts<{ workspace?: string; home?: string }>()
      const port = Number(opts.port)
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(`❌ --port expects a number from 0 to 65535, got ${JSON.stringify(opts.port)}\n`)
        setExit(2)
        return
      }
      const home = global.home ?? resolveWardenHome()
      // One Warden per home: a second would run a second scheduler and take the discovery file from the first.
      const running = await (await import('./attach')).runningWarden(home)
      if (running) {
        process.stderr.write(`❌ A Warden is already serving this home (${home}) at ${running.url} (pid ${running.pid})\n   Use that one, stop it first, or give another --home.\n`)
        setExit(1)
        return
      }
      startProcessLog({ home, kind: 'server' })
      const log = logger('server')
      const host = new WardenHost({ home, runtime: 'server' })
      try {
        if (global.workspace) await host.openWorkspace(global.workspace)
        else if (opts.demo) {
          const { mkdtempSync } = await import('node:fs')
          const { tmpdir } = await import('node:os')
          const { join } = await import('node:path')
          const dir = typeof opts.demo === 'string' ? opts.demo : join(mkdtempSync(join(tmpdir(), 'warden-demo-')), 'workspace')
          await host.createDemo(dir)
        } else if (opts.openLast) await host.restoreLastWorkspace()
      } catch (error) {
        log.error('The server could not open its workspace', { err: error })
        process.stderr.write(`❌ ${(error as Error).message}\n`)
        host.dispose()
        setExit(1)
        return
      }
      const { startServer } = await import('../server/startServer')
      let server: Awaited<ReturnType<typeof startServer>>
      try {
        server = await startServer(host, { port })
      } catch (error) {
        const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        const message = inUse ? `Port ${port} is in use on 127.0.0.1: choose another, or --port 0 to pick a free one` : `Could not start the server: ${(error as Error).message}`
        log.error(message, { err: error })
        process.stderr.write(`❌ ${message}\n`)
        await host.shutdown()
        setExit(1)
        return
      }
      log.info(`Serving on ${server.url} (pid ${process.pid}, Warden ${host.info().version})`)
      process.stdout.write(`Warden is serving on ${server.url}\nOpen: ${server.urlWithToken}\n`)
      process.stdout.write(`OpenAI-compatible API: ${server.url}v1 (model: a persona's name; API key: one per tool, from: warden api-key create --name NAME)\n`)
      const ws = host.workspaceInfo()
      process.stdout.write(ws ? `Workspace: ${ws.path}\n` : 'No workspace open yet: choose one (or the demo) in the UI.\n')
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      log.info('Stopping: shutting the workers down')
      await server.close()
      await host.shutdown()
      log.info('Stopped')
    })
}
