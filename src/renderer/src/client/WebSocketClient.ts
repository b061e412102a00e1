import type { AnyEvent } from '../../../shared/contract/events'
import type { OperationInput, OperationName, OperationOutput, WardenClient } from '../../../shared/contract/client'
import { encodeMessage, parseServerMessage } from '../../../shared/contract/socket'
import { WardenError } from '../../../shared/errors'

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void }

/**
 * The renderer's client over the headless server's WebSocket (a browser, or tests in Chromium):
 * calls go out as `{type:'call'}` and come back as results; events are pushed. Reconnects on loss.
 */
export class WebSocketClient implements WardenClient {
  readonly transport = 'websocket' as const
  private socket: WebSocket | null = null
  private opening: Promise<WebSocket> | null = null
  private readonly pending = new Map<string, Pending>()
  private readonly listeners = new Set<(e: AnyEvent) => void>()
  private counter = 0
  private closed = false

  constructor(private readonly url: string) {}

  private open(): Promise<WebSocket> {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return Promise.resolve(this.socket)
    if (this.opening) return this.opening
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.url)
      ws.onopen = () => {
        this.socket = ws
        this.opening = null
        resolve(ws)
      }
      ws.onerror = () => {
        this.opening = null
        reject(new WardenError('UNAVAILABLE', 'Cannot reach the Warden server', { hint: 'Is `warden serve` still running? Reload with the URL it printed.' }))
      }
      ws.onclose = () => {
        this.socket = null
        for (const [id, p] of this.pending) {
          p.reject(new WardenError('UNAVAILABLE', 'The connection to the Warden server was lost'))
          this.pending.delete(id)
        }
        if (!this.closed) setTimeout(() => void this.open().catch(() => undefined), 1000)
      }
      ws.onmessage = (msg) => this.receive(String(msg.data))
    })
    return this.opening
  }

  private receive(text: string): void {
    const msg = parseServerMessage(text)
    if (msg?.type === 'result') {
      const p = this.pending.get(msg.id)
      if (!p) return
      this.pending.delete(msg.id)
      if (msg.result.ok) p.resolve(msg.result.value)
      else p.reject(WardenError.from(msg.result.error))
    } else if (msg?.type === 'event') {
      for (const l of this.listeners) l({ event: msg.event, payload: msg.payload } as AnyEvent)
    }
  }

  async call<K extends OperationName>(name: K, input: OperationInput<K>, options?: { callId?: string }): Promise<OperationOutput<K>> {
    const ws = await this.open()
    const id = options?.callId ?? `c${Date.now().toString(36)}-${++this.counter}`
    return new Promise<OperationOutput<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      ws.send(encodeMessage({ type: 'call', id, op: name, input }))
    })
  }

  onEvent(listener: (event: AnyEvent) => void): () => void {
    this.listeners.add(listener)
    void this.open().catch(() => undefined)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.closed = true
    this.socket?.close()
  }
}
