import { randomUUID } from 'node:crypto'
import { WardenError } from '../../../shared/errors'
import { printable } from '../../../shared/text/printable'
import { LineSplitter } from '../logging/LineSplitter'
import type { WorkerLogLine, WorkerLogSink } from '../logging/WorkerLogs'
import type { WorkerChild, WorkerLauncher } from './launcher'
import type { GenerateRequest, LoadRequest, ResultOf, TokenLogprob, ToWorker, WorkerReply } from './protocol'

type Pending = {
  type: ToWorker['type']
  resolve: (value: unknown) => void
  reject: (error: WardenError) => void
  onToken?: (text: string, logprobs?: TokenLogprob[]) => void
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never

/** Why a process ended, in words. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal === 'SIGKILL') return 'killed (SIGKILL: out of memory, or killed by hand)'
  if (signal === 'SIGSEGV' || signal === 'SIGABRT' || signal === 'SIGBUS' || signal === 'SIGILL') return `crashed in native code (${signal})`
  if (signal) return `stopped by ${signal}`
  if (code === 134) return 'aborted in native code (exit code 134)'
  return `exited with code ${code}`
}

/**
 * The main-process side of one worker process: typed requests with ids, streamed tokens, and an
 * exit that rejects everything still pending at once with an error naming the model and the cause.
 */
export class WorkerProcess {
  readonly child: WorkerChild
  private readonly pending = new Map<string, Pending>()
  private exitInfo: { code: number | null; signal: string | null; expected: boolean } | null = null
  private readonly exitListeners: Array<(info: { code: number | null; signal: string | null; expected: boolean; description: string }) => void> = []
  private stopping = false
  private servedModel: string
  readonly ready: Promise<number>

  constructor(
    launcher: WorkerLauncher,
    /** The model it serves (a spare worker gets one when it is put to use). */
    modelId: string,
    maxOldSpaceMb: number,
    /** Where its output and the notes about its process go, under the model it serves. */
    private readonly logs?: WorkerLogSink,
  ) {
    this.servedModel = modelId
    this.child = launcher.launch({ name: modelId, maxOldSpaceMb })
    let readyResolve!: (pid: number) => void
    let readyReject!: (e: WardenError) => void
    this.ready = new Promise((res, rej) => ((readyResolve = res), (readyReject = rej)))
    this.ready.catch(() => undefined) // its rejection is the exit, which is reported below
    const lines = { stdout: new LineSplitter(), stderr: new LineSplitter() }
    this.child.onOutput((stream, text) => {
      for (const line of lines[stream].push(text)) this.note(stream === 'stderr' ? 'warn' : 'info', line, stream)
    })
    this.child.onMessage((m) => {
      if (m.type === 'ready') {
        this.note('info', `Worker process ${m.pid} started`)
        readyResolve(m.pid)
      } else this.onReply(m)
    })
    this.child.onExit((code, signal) => {
      for (const stream of ['stdout', 'stderr'] as const) for (const line of lines[stream].flush()) this.note(stream === 'stderr' ? 'warn' : 'info', line, stream)
      const expected = this.stopping
      this.exitInfo = { code, signal, expected }
      const description = describeExit(code, signal)
      this.note(expected ? 'info' : 'error', `Worker process ${this.child.pid ?? ''} ${expected ? `stopped (${description})` : description}`)
      const tail = printable(this.child.outputTail()).trim().split('\n').slice(-3).join(' | ')
      const error = new WardenError(
        expected ? 'CANCELLED' : 'WORKER_CRASHED',
        expected ? `The worker for ${this.modelId} was stopped` : `The worker for ${this.modelId} ${description}${tail ? ` — last output: ${tail.slice(0, 300)}` : ''}`,
        { hint: expected ? undefined : 'Warden restarts the worker; send the request again.' },
      )
      readyReject(error)
      for (const p of this.pending.values()) p.reject(error)
      this.pending.clear()
      for (const l of this.exitListeners) l({ code, signal, expected, description })
    })
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  get modelId(): string {
    return this.servedModel
  }

  /** A spare worker put to use: its lines go to that model's log from now on. */
  set modelId(id: string) {
    if (id === this.servedModel) return
    this.note('info', `Worker process ${this.child.pid ?? ''} now serves ${id}`)
    this.servedModel = id
    this.note('info', `Worker process ${this.child.pid ?? ''} (${this.spareSince}) serves this model`)
  }

  /** How this process became a spare, for the log of the model it serves next. */
  private spareSince = 'started as the spare worker'
  private reused = false

  /** It served a model before (kept as a spare after its model was unloaded): it may hold more than a fresh process. */
  get servedBefore(): boolean {
    return this.reused
  }

  /** Its model was unloaded and the process kept as a spare: its lines go to the spares' log (`spare`) until it serves a model again. */
  becomeSpare(): void {
    const served = this.servedModel
    if (served === 'spare') return
    this.note('info', `Worker process ${this.child.pid ?? ''} unloaded the model and is kept as a spare worker`)
    this.servedModel = 'spare'
    this.reused = true
    this.spareSince = `kept as a spare worker after serving ${served}`
    this.note('info', `Worker process ${this.child.pid ?? ''} (${this.spareSince}) waits for a model`)
  }

  /** A line in the log of the model this worker serves. */
  private note(level: WorkerLogLine['level'], msg: string, stream?: WorkerLogLine['stream']): void {
    this.logs?.write(this.servedModel, { level, msg, pid: this.child.pid, ...(stream ? { stream } : {}) })
  }

  get exited(): boolean {
    return this.exitInfo !== null
  }

  onExit(listener: (info: { code: number | null; signal: string | null; expected: boolean; description: string }) => void): void {
    this.exitListeners.push(listener)
  }

  private onReply(m: WorkerReply): void {
    if (m.type === 'log') return this.note(m.level, m.message)
    if (m.type === 'ready') return
    const p = this.pending.get(m.id)
    if (!p) return
    if (m.type === 'token') return p.onToken?.(m.text, m.logprobs)
    this.pending.delete(m.id)
    if (m.type === 'result') p.resolve(m.value)
    else p.reject(WardenError.from(m.error))
  }

  request<T extends ToWorker['type']>(message: DistributiveOmit<Extract<ToWorker, { type: T }>, 'id'> & { id?: string }, onToken?: (text: string, logprobs?: TokenLogprob[]) => void): Promise<ResultOf[T]> {
    const id = message.id ?? randomUUID()
    if (this.exitInfo) return Promise.reject(new WardenError('WORKER_CRASHED', `The worker for ${this.modelId} is not running`))
    return new Promise<ResultOf[T]>((resolve, reject) => {
      this.pending.set(id, { type: message.type, resolve: resolve as (v: unknown) => void, reject, onToken })
      this.child.send({ ...message, id } as ToWorker)
    })
  }

  load(req: Omit<LoadRequest, 'type' | 'id'>): Promise<ResultOf['load']> {
    const loading = this.request<'load'>({ type: 'load', ...req })
    loading.then(
      (r) => this.note('info', `Loaded ${req.modelPath} in ${r.loadMs} ms: ${r.gpu ? `${r.gpu}, ${r.gpuLayers} layers on the GPU` : 'CPU'}, context ${r.contextSize} × ${r.sequences}, ${req.threads} threads`),
      (e: WardenError) => !this.exited && this.note('error', `Could not load ${req.modelPath}: ${e.message}`),
    )
    return loading
  }

  generate(req: Omit<GenerateRequest, 'type'>, onToken: (text: string, logprobs?: TokenLogprob[]) => void): Promise<ResultOf['generate']> {
    return this.request<'generate'>({ type: 'generate', ...req }, onToken)
  }

  abort(id: string): void {
    if (!this.exitInfo) this.child.send({ type: 'abort', id })
  }

  /** Ask the worker to finish and exit; kill it after the grace period. Resolves once it has exited. */
  async shutdown(graceMs = 5000): Promise<void> {
    if (this.exitInfo) return
    this.stopping = true
    const exited = new Promise<void>((resolve) => this.onExit(() => resolve()))
    this.child.send({ type: 'shutdown', id: randomUUID() })
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  /** Kill at once, as a crash would (the `kill` action). */
  kill(): void {
    if (!this.exitInfo) this.child.kill('SIGKILL')
  }
}
