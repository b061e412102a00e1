import type * as http from 'node:http'
import type { WardenError } from '../../../shared/errors'
import { openAiError, sendError } from './http'

/**
 * A streamed answer (server-sent events) whose status is not decided until its first event: a
 * request refused before it produced anything (queue full, model quarantined or too big, prompt too
 * long, queue wait over) is answered with the same status and JSON error as without `stream`, which
 * clients can read and retry; once the stream has started, a failure ends it with a
 * `data: {"error": …}` event (which OpenAI's SDKs raise) and no `[DONE]`.
 */
export class EventStream {
  private started = false

  constructor(
    private readonly res: http.ServerResponse,
    /** Headers sent with the 200 once the first event is ready (notices, …). */
    private readonly headers: () => Record<string, string> = () => ({}),
  ) {}

  get hasStarted(): boolean {
    return this.started
  }

  private start(): void {
    if (this.started) return
    this.started = true
    this.res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', connection: 'keep-alive', ...this.headers() })
  }

  send(data: unknown): void {
    if (this.res.destroyed) return
    this.start()
    this.res.write(`data: ${JSON.stringify(data)}\n\n`)
  }

  /** The end of a whole answer. */
  done(): void {
    if (this.res.destroyed) return
    this.start()
    this.res.end('data: [DONE]\n\n')
  }

  /** The end of a failed one: an error response before the first event, an error event after it. */
  fail(error: WardenError): void {
    if (this.res.destroyed) return
    if (!this.started) return sendError(this.res, error)
    this.res.end(`data: ${JSON.stringify(openAiError(error).body)}\n\n`)
  }
}
