import { fork, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ToWorker, WorkerReply } from './protocol'

/** A started worker process, whoever started it. */
export interface WorkerChild {
  readonly pid: number | undefined
  send(message: ToWorker): void
  onMessage(listener: (message: WorkerReply) => void): void
  /** Called once, when the process has exited. */
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(signal?: NodeJS.Signals): void
  /** The last lines the process wrote to stderr (for crash reports). */
  outputTail(): string
}

export interface LaunchOptions {
  /** Shown in process lists and logs, e.g. the model id. */
  name: string
  /** JavaScript heap limit of the worker (the seed's maxRAMPerWorker). */
  maxOldSpaceMb: number
}

/** Starts worker processes: `child_process.fork` headless and in tests, `utilityProcess` in the app. */
export interface WorkerLauncher {
  readonly kind: 'fork' | 'utilityProcess'
  launch(options: LaunchOptions): WorkerChild
}

export interface WorkerEntry {
  file: string
  /** Node flags the entry needs (the TypeScript loader when running from source). */
  execArgv: string[]
}

/**
 * The worker entry: `worker.js` beside the built bundle, or the TypeScript source (through tsx)
 * when Warden itself runs from source (tests, benchmarks).
 */
export function resolveWorkerEntry(): WorkerEntry {
  const here = path.dirname(fileURLToPath(import.meta.url))
  if (import.meta.url.endsWith('.ts')) return { file: path.resolve(here, '../../worker/index.ts'), execArgv: ['--import', 'tsx'] }
  for (const candidate of [path.join(here, 'worker.js'), path.join(here, '..', 'worker.js')]) {
    if (fs.existsSync(candidate)) return { file: candidate, execArgv: [] }
  }
  throw new Error(`The worker entry (worker.js) is missing beside ${here}: rebuild Warden (npm run build)`)
}

class ForkedChild implements WorkerChild {
  private readonly tail: string[] = []
  constructor(private readonly child: ChildProcess) {
    // llama.cpp writes to stderr; keep the last lines for crash reports, do not flood ours.
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.tail.push(s)
      if (this.tail.length > 20) this.tail.shift()
    })
    child.on('error', () => undefined)
  }
  outputTail(): string {
    return this.tail.join('').slice(-2000)
  }
  get pid() {
    return this.child.pid
  }
  send(message: ToWorker): void {
    if (this.child.connected) this.child.send(message)
  }
  onMessage(listener: (message: WorkerReply) => void): void {
    this.child.on('message', (m) => listener(m as WorkerReply))
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) queueMicrotask(() => listener(this.child.exitCode, this.child.signalCode))
    else this.child.once('exit', (code, signal) => listener(code, signal))
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.child.kill(signal)
  }
}

export class ForkLauncher implements WorkerLauncher {
  readonly kind = 'fork' as const
  constructor(private readonly entry: WorkerEntry = resolveWorkerEntry()) {}

  launch(options: LaunchOptions): WorkerChild {
    const child = fork(this.entry.file, ['--warden-worker', options.name], {
      execArgv: [...this.entry.execArgv, `--max-old-space-size=${options.maxOldSpaceMb}`],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      serialization: 'advanced',
      env: { ...process.env, WARDEN_WORKER: options.name },
    })
    return new ForkedChild(child)
  }
}
