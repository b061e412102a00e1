/**
 * The inference worker process: one per loaded model. Started by `child_process.fork` (server, CLI,
 * tests) or Electron's `utilityProcess` (the app); speaks the protocol of services/workers/protocol.ts.
 * Exits on its own when its parent goes away, even if the parent was killed with SIGKILL.
 */
import { WardenError } from '../../shared/errors'
import type { ToWorker, WorkerReply } from '../services/workers/protocol'
import { InferenceEngine } from './InferenceEngine'

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
const send: (m: WorkerReply) => void = parentPort ? (m) => parentPort.postMessage(m) : (m) => process.send?.(m)
const engine = new InferenceEngine()
let exiting = false

/**
 * What `ps` shows: the model this worker serves, or that it is a spare. On Linux the title
 * overwrites the process's argv memory, so it is cut to the length of the original command line
 * (the launcher's arguments leave room for it).
 */
function setTitle(what: string): void {
  try {
    process.title = `warden-worker ${what}`
  } catch {
    // Not every platform lets a process rename itself; the name is a convenience.
  }
}
const launchedFor = process.argv[process.argv.indexOf('--warden-worker') + 1]
setTitle(!launchedFor || launchedFor === 'spare' ? '(spare)' : launchedFor)

async function exit(code: number): Promise<void> {
  if (exiting) return
  exiting = true
  // Leave even if llama.cpp hangs while freeing memory.
  setTimeout(() => process.exit(code), 2000).unref()
  // Exiting anyway; stderr is this process's log (the parent keeps it in the model's log).
  await engine.dispose().catch((error: unknown) => process.stderr.write(`Could not free the model before exiting: ${(error as Error)?.stack ?? String(error)}\n`))
  process.exit(code)
}

async function handle(msg: ToWorker): Promise<void> {
  try {
    let value: unknown
    switch (msg.type) {
      case 'load':
        if (msg.title) setTitle(msg.title)
        value = await engine.load(msg)
        break
      case 'generate':
        value = await engine.generate(msg, (text, logprobs) => send({ type: 'token', id: msg.id, text, ...(logprobs ? { logprobs } : {}) }))
        break
      case 'complete':
        value = await engine.complete(msg, (text) => send({ type: 'token', id: msg.id, text }))
        break
      case 'embed':
        value = await engine.embed(msg.text)
        break
      case 'abort':
        value = { aborted: engine.abort(msg.id) }
        return // answered by the aborted request itself
      case 'stats':
        await warmedUp // a spare's memory is measured once node-llama-cpp is in it
        value = await engine.stats()
        break
      case 'setThreads':
        value = { threads: engine.setThreads(msg.threads) }
        break
      case 'unload':
        value = await engine.unload()
        setTitle('(spare)')
        break
      case 'saveState':
        value = await engine.saveState(msg.sessionKey, msg.path, msg.adapters)
        break
      case 'loadState':
        value = await engine.loadState(msg.sessionKey, msg.windowStart, msg.path, msg.adapters)
        break
      case 'shutdown':
        send({ type: 'result', id: msg.id, value: {} })
        await exit(0)
        return
      default:
        throw new WardenError('INVALID_INPUT', `Unknown worker message ${JSON.stringify((msg as { type?: unknown }).type)}`)
    }
    send({ type: 'result', id: msg.id, value })
  } catch (error) {
    send({ type: 'error', id: msg.id, error: WardenError.from(error).toJSON() })
  }
}

function onMessage(raw: unknown): void {
  const msg = raw as ToWorker
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return
  void handle(msg)
}

if (parentPort) parentPort.on('message', (e) => onMessage(e.data))
else process.on('message', onMessage)

// The parent is gone: the IPC channel closes (fork), or our parent process id changes (any launcher).
process.on('disconnect', () => void exit(0))
const parentPid = process.ppid
setInterval(() => {
  let alive = process.ppid === parentPid
  if (alive) {
    try {
      process.kill(parentPid, 0)
    } catch {
      alive = false
    }
  }
  if (!alive) void exit(0)
}, 500).unref()

process.on('uncaughtException', (error) => {
  send({ type: 'log', level: 'error', message: `uncaught: ${error.stack ?? error.message}` })
  void exit(70)
})

send({ type: 'ready', pid: process.pid })
// Get node-llama-cpp ready while nothing is asked of us yet (a spare worker waits like this).
const warmedUp = engine.warmUp()
