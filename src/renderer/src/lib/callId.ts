let counter = 0

/** A unique id for a call, so its `operation.progress` events can be told apart. */
export function newCallId(): string {
  return `ui-${Date.now().toString(36)}-${(++counter).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}
