import { useEffect, useRef, useState } from 'react'
import { Icon } from '../../components/Icon'
import { useChatStore } from '../../stores/chatStore'

/** Unsent text per persona, kept while another persona is open. */
const drafts = new Map<string, string>()

/** The message field: Enter sends, Shift+Enter starts a new line; Stop while a reply streams. */
export function Composer({ persona, ready }: { persona: string; ready: boolean }) {
  const pending = useChatStore((s) => s.conversations[persona]?.pending ?? null)
  const send = useChatStore((s) => s.send)
  const stop = useChatStore((s) => s.stop)
  const [text, setText] = useState(() => drafts.get(persona) ?? '')
  const field = useRef<HTMLTextAreaElement>(null)

  // Ready to type when the page opens; not when ↑/↓ in the persona list changed who is open.
  useEffect(() => {
    if (document.activeElement === document.body) field.current?.focus()
  }, [persona])

  const update = (value: string) => {
    setText(value)
    drafts.set(persona, value)
  }
  const submit = () => {
    const prompt = text.trim()
    if (!prompt || pending || !ready) return
    update('')
    void send(persona, prompt)
  }

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault()
        submit()
      }}
    >
      <textarea
        ref={field}
        className="input textarea composer-input"
        rows={2}
        value={text}
        placeholder={`Message ${persona}…`}
        aria-label={`Message to ${persona}`}
        onChange={(e) => update(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault()
            submit()
          }
        }}
      />
      {pending ? (
        <button type="button" className="button" onClick={() => void stop(persona)} disabled={pending.stopping} data-testid="chat-stop">
          <Icon name="stop" size={14} /> {pending.stopping ? 'Stopping…' : 'Stop'}
        </button>
      ) : (
        <button type="submit" className="button primary" disabled={!text.trim() || !ready}>
          <Icon name="send" size={14} /> Send
        </button>
      )}
    </form>
  )
}
