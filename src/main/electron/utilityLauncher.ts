import { utilityProcess, type UtilityProcess } from 'electron'
import type { LaunchOptions, WorkerChild, WorkerEntry, WorkerLauncher } from '../services/workers/launcher'
import type { ToWorker, WorkerReply } from '../services/workers/protocol'

class UtilityChild implements WorkerChild {
  private readonly tail: string[] = []
  private exit: { code: number } | null = null
  constructor(private readonly proc: UtilityProcess) {
    proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
      this.tail.push(s)
      if (this.tail.length > 20) this.tail.shift()
    })
    proc.once('exit', (code) => (this.exit = { code }))
  }
  get pid() {
    return this.proc.pid
  }
  send(message: ToWorker): void {
    if (!this.exit) this.proc.postMessage(message)
  }
  onMessage(listener: (message: WorkerReply) => void): void {
    this.proc.on('message', (m) => listener(m as WorkerReply))
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    // utilityProcess reports only a code; a SIGKILL shows as a non-zero code.
    if (this.exit) queueMicrotask(() => listener(this.exit!.code, null))
    else this.proc.once('exit', (code) => listener(code, null))
  }
  kill(signal?: NodeJS.Signals): void {
    if (signal === 'SIGKILL' && this.proc.pid) process.kill(this.proc.pid, 'SIGKILL')
    else this.proc.kill()
  }
  outputTail(): string {
    return this.tail.join('').slice(-2000)
  }
}

/** Inference workers as Electron utility processes (Chromium's process model, Node inside). */
export class UtilityProcessLauncher implements WorkerLauncher {
  readonly kind = 'utilityProcess' as const
  constructor(private readonly entry: WorkerEntry) {}

  launch(options: LaunchOptions): WorkerChild {
    const proc = utilityProcess.fork(this.entry.file, ['--warden-worker', options.name], {
      serviceName: `Warden worker (${options.name})`,
      execArgv: [...this.entry.execArgv, `--max-old-space-size=${options.maxOldSpaceMb}`],
      stdio: ['ignore', 'inherit', 'pipe'],
      env: { ...process.env, WARDEN_WORKER: options.name },
    })
    return new UtilityChild(proc)
  }
}
