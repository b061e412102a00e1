import { utilityProcess, type UtilityProcess } from 'electron'
import { WorkerOutput, workerArgs, type LaunchOptions, type WorkerChild, type WorkerEntry, type WorkerLauncher } from '../services/workers/launcher'
import type { ToWorker, WorkerReply } from '../services/workers/protocol'

class UtilityChild implements WorkerChild {
  private readonly output: WorkerOutput
  private exit: { code: number } | null = null
  constructor(private readonly proc: UtilityProcess) {
    this.output = new WorkerOutput(proc)
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
    return this.output.outputTail()
  }
  onOutput(listener: (stream: 'stdout' | 'stderr', text: string) => void): void {
    this.output.onOutput(listener)
  }
}

/** Inference workers as Electron utility processes (Chromium's process model, Node inside). */
export class UtilityProcessLauncher implements WorkerLauncher {
  readonly kind = 'utilityProcess' as const
  constructor(private readonly entry: WorkerEntry) {}

  launch(options: LaunchOptions): WorkerChild {
    const proc = utilityProcess.fork(this.entry.file, workerArgs(options.name), {
      serviceName: `Warden worker (${options.name})`,
      execArgv: [...this.entry.execArgv, `--max-old-space-size=${options.maxOldSpaceMb}`],
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WARDEN_WORKER: options.name },
    })
    return new UtilityChild(proc)
  }
}
