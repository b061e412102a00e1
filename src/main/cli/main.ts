import { randomUUID } from 'node:crypto'
import * as path from 'node:path'
import { Command, CommanderError, Option } from 'commander'
import { pathFieldsOf, type DomainOperation } from '../../shared/contract/operation'
import { operations, type OperationName, type OperationOutput } from '../../shared/contract/operations'
import type { SerializedError } from '../../shared/errors'
import { readOwnVersion } from '../services/app/version'
import { logFailure } from '../services/logging/callLog'
import { startProcessLog } from '../services/logging/processLog'
import { resolveWardenHome } from '../services/storage/paths'
import type { Invoker } from './attach'
import { exitCodeOf, formatLogEntry, formatters, streamedFooters } from './format'
import { printable, printableJson } from './printable'
import { fieldsOf, kebab, type CliField } from './schemaToCli'

interface GlobalOptions {
  workspace?: string
  json?: boolean
  home?: string
}

export interface CliIo {
  out: (s: string) => void
  err: (s: string) => void
  isTTY: boolean
}

const defaultIo: CliIo = {
  out: (s) => process.stdout.write(s + '\n'),
  err: (s) => process.stderr.write(s + '\n'),
  isTTY: Boolean(process.stderr.isTTY),
}

/** The operations a CLI offers: the contract, or in tests a throwaway one. */
export type CliContract = Readonly<Record<string, DomainOperation>>

function commandWords(name: string, def: DomainOperation): string[] {
  if (def.cli && def.cli.command) return def.cli.command
  return name.split('.').map(kebab)
}

function parseValue(field: CliField, raw: string): unknown {
  if (field.kind === 'number') {
    const n = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(n)) throw new CommanderError(2, 'warden.invalidNumber', `--${field.flag} expects a number, got ${JSON.stringify(raw)}`)
    return n
  }
  if (field.kind === 'json') {
    try {
      return JSON.parse(raw)
    } catch {
      throw new CommanderError(2, 'warden.invalidJson', `--${field.flag} expects JSON, got ${JSON.stringify(raw)}`)
    }
  }
  return raw
}

function printError(io: CliIo, error: SerializedError, json: boolean): void {
  if (json) io.out(printableJson({ ok: false, error }))
  else io.err(printable(`❌ ${error.message}${error.hint ? `\n   ${error.hint}` : ''}`))
}

/**
 * Builds the CLI from the contract: one command per operation, options from its input schema; where
 * each runs and which of its fields are paths come from the operation's declaration too.
 */
export function buildProgram(io: CliIo, setExit: (code: number) => void, extra: (program: Command) => void = () => undefined, contract: CliContract = operations): Command {
  const program = new Command('warden')
    .description('Warden: module hibernation and local AI models, from the command line')
    .option('-w, --workspace <dir>', 'workspace folder (default: the current folder)')
    .option('--json', 'print results as JSON')
    .option('--home <dir>', 'data folder (default: $WARDEN_HOME or the per-user app-data folder)')
    .option('--local', 'run in this process even when a Warden app or server is running for the same home')
    .version(cliVersion(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .exitOverride()

  const groups = new Map<string, Command>()
  for (const [name, def] of Object.entries(contract)) {
    if (def.cli === false) continue
    const words = commandWords(name, def)
    let parent = program
    for (const word of words.slice(0, -1)) {
      const key = `${parent.name()}/${word}`
      let group = groups.get(key)
      if (!group) {
        group = parent.command(word).description(`${word} commands`)
        groups.set(key, group)
      }
      parent = group
    }
    const positional = (def.cli && def.cli.positional) || []
    const fields = fieldsOf(def.input)
    // A command may also be a group (`warden health` and `warden health history`): one command for both.
    const leafKey = `${parent.name()}/${words[words.length - 1]}`
    const cmd = (groups.get(leafKey) ?? parent.command(words[words.length - 1])).description(def.summary)
    groups.set(leafKey, cmd)
    for (const p of positional) cmd.argument(fields.find((f) => f.key === p)?.required === false ? `[${p}]` : `<${p}>`)
    for (const f of fields) {
      if (positional.includes(f.key)) continue
      if (f.kind === 'boolean') cmd.addOption(new Option(`--${f.flag}`))
      else if (f.kind === 'array') cmd.addOption(new Option(`--${f.flag} <value>`).argParser((v: string, prev: unknown[] = []) => [...prev, parseValue({ ...f, kind: f.element ?? 'string' }, v)]))
      else cmd.addOption(new Option(`--${f.flag} <value>`).argParser((v: string) => parseValue(f, v)))
    }
    cmd.action(async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command
      const opts = command.opts() as Record<string, unknown>
      const input: Record<string, unknown> = {}
      positional.forEach((p, i) => {
        if (args[i] !== undefined) input[p] = args[i]
      })
      for (const f of fields) {
        const camel = f.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())
        if (opts[camel] !== undefined) input[f.key] = opts[camel]
      }
      setExit(await runOperation(io, program.opts<GlobalOptions>(), name, def, input))
    })
  }
  extra(program)
  return program
}

async function localInvoker(global: GlobalOptions, needsWorkspace: boolean): Promise<Invoker> {
  // Loaded here, not at start-up: `--help` and commands served by a running Warden never need the services.
  const { WardenHost } = await import('../services/host/WardenHost')
  const host = new WardenHost({ home: global.home ?? resolveWardenHome(), runtime: 'cli', watch: false })
  try {
    if (needsWorkspace) await host.openWorkspace(global.workspace ?? process.cwd())
  } catch (error) {
    await host.shutdown()
    throw error
  }
  return {
    attachedTo: null,
    invoke: (name, input, callId) => host.invoke(name, input, callId),
    onEvent: (l) => void host.onEvent(l),
    close: () => host.shutdown(),
  }
}

/** Paths are the caller's: make them absolute here, before a running Warden (another folder) sees them. */
function absolutizePaths(def: DomainOperation, input: Record<string, unknown>): void {
  for (const key of pathFieldsOf(def, input)) input[key] = path.resolve(input[key] as string)
}

let ownVersion: string | null = null
function cliVersion(): string {
  ownVersion ??= readOwnVersion()
  return ownVersion
}

function progressBar(fraction: number, width = 24): string {
  const n = Math.round(Math.max(0, Math.min(1, fraction)) * width)
  return `[${'█'.repeat(n)}${'░'.repeat(width - n)}] ${String(Math.round(fraction * 100)).padStart(3)}%`
}

async function runOperation(io: CliIo, global: GlobalOptions & { local?: boolean }, name: string, def: DomainOperation, input: Record<string, unknown>): Promise<number> {
  const json = Boolean(global.json)
  const callId = randomUUID()
  let lastLine = 0
  let streamed = false
  let followed = false
  let lastReported = -1
  let invoker: Invoker | null = null
  try {
    const home = global.home ?? resolveWardenHome()
    startProcessLog({ home, kind: 'cli' })
    absolutizePaths(def, input)
    // Live state (workers, downloads, running calls) is the running Warden's: never a second scheduler beside it.
    const attached = def.runsIn === 'app' && !global.local ? await (await import('./attach')).attach(home, cliVersion(), io.err) : null
    if (def.runsIn === 'app' && global.local) {
      // Asked for, but worth knowing: this process cannot see the running Warden's workers (a lower
      // maxModelCacheSize here may remove a model it has loaded).
      const running = await (await import('./attach')).runningWarden(home, 1000)
      if (running) io.err(`⚠️  A Warden is running for this home (pid ${running.pid}, ${running.url}); --local runs this command beside it, without its workers.`)
    }
    // Hosted here, an app operation sees the workspace named by --workspace (healing evaluate's module), as the app sees its open one.
    invoker = attached ?? (await localInvoker(global, def.runsIn === 'workspace' || (def.runsIn === 'app' && global.workspace !== undefined)))
    const inv = invoker
    // `logs --follow`: entries as they come, one line each (one JSON object per line with --json).
    inv.onEvent((e) => {
      if (e.event !== 'logs.entries' || e.payload.callId !== callId) return
      followed = true
      for (const entry of e.payload.entries) io.out(json ? printableJson(entry, 0) : printable(formatLogEntry(entry)))
    })
    if (!json) {
      inv.onEvent((e) => {
        if (e.event === 'persona.token' && e.payload.callId === callId) {
          if (lastLine) process.stderr.write('\r\x1b[2K')
          lastLine = 0
          streamed = true
          process.stdout.write(printable(e.payload.text))
          return
        }
        if (e.event !== 'operation.progress' || e.payload.callId !== callId) return
        const f = e.payload.fraction
        if (io.isTTY) {
          process.stderr.write(`\r\x1b[2K${f === null ? '' : progressBar(f) + ' '}${printable(e.payload.message)}`.slice(0, 200))
          lastLine = 1
        } else if (f === null ? e.payload.message.endsWith('…') : Math.floor(f * 10) > lastReported) {
          if (f !== null) lastReported = Math.floor(f * 10)
          io.err(`${f === null ? '' : `${Math.round(f * 100)}% `}${printable(e.payload.message)}`)
        }
      })
    }
    // Ctrl-C cancels a download or a generation (the running Warden keeps going); twice quits.
    let interrupts = 0
    const onSigint = () => {
      if (++interrupts > 1) process.exit(130)
      void inv.invoke('operation.cancel', { callId }, randomUUID())
    }
    process.on('SIGINT', onSigint)
    const result = await inv.invoke(name, input, callId).finally(() => process.off('SIGINT', onSigint))
    if (lastLine) process.stderr.write('\r\x1b[2K')
    if (!result.ok) {
      if (streamed) process.stdout.write('\n')
      printError(io, result.error, json)
      return result.error.code === 'INVALID_INPUT' ? 2 : 1
    }
    if (name === 'health.summary' && input.watch === true) {
      return await (await import('./watchHealth')).watchHealth(inv, io, json, result.value as OperationOutput<'health.summary'>)
    }
    const footer = streamedFooters[name as OperationName] as ((o: unknown) => string) | undefined
    if (streamed && footer && !json) {
      process.stdout.write('\n')
      io.err(printable(footer(result.value)))
      return 0
    }
    const formatter = formatters[name as OperationName] as ((o: unknown) => string) | undefined
    // After a followed stream of JSON lines, the summary is one line too (readers go line by line).
    if (followed) {
      if (json) io.out(printableJson(result.value, 0))
    }
    else io.out(json || !formatter ? printableJson(result.value) : printable(formatter(result.value)))
    return exitCodeOf(name as OperationName, result.value)
  } catch (error) {
    logFailure(name, error, { op: name }) // failed before the call ran (no workspace, a Warden that does not answer)
    const e = error as SerializedError & Error
    printError(io, { code: e.code ?? 'INTERNAL', message: e.message, hint: e.hint }, json)
    return 1
  } finally {
    await invoker?.close()
  }
}

/**
 * Run the CLI with these arguments (without `node warden`); resolves to the exit code. `contract`
 * defaults to Warden's (tests give a throwaway one).
 */
export async function runCli(
  argv: string[],
  io: CliIo = defaultIo,
  extra?: (program: Command, setExit: (code: number) => void) => void,
  contract: CliContract = operations,
): Promise<number> {
  let exitCode = 0
  const setExit = (code: number) => (exitCode = code)
  const program = buildProgram(io, setExit, extra ? (p) => extra(p, setExit) : undefined, contract)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return 0
      if (error.code.startsWith('warden.')) io.err(`❌ ${error.message}`)
      return error.exitCode || 2
    }
    throw error
  }
  return exitCode
}
