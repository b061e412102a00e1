import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { clearConversation, deletePersona } from '../../actions/personaActions'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { formatTokens } from '../../lib/inferenceFormat'
import type { Persona } from '../../lib/types'
import { useChatStore } from '../../stores/chatStore'
import { ChatEntryView } from './ChatEntryView'
import { CheckpointTimeline } from './CheckpointTimeline'
import { Composer } from './Composer'
import { PersonaAvatar } from './PersonaAvatar'
import { replyGenome } from './replyFooter'

/** Keep following the newest text while the person is at (or near) the bottom; leave them be when they scrolled up. */
function useFollowBottom(deps: unknown[]) {
  const ref = useRef<HTMLDivElement>(null)
  const atBottom = useRef(true)
  useLayoutEffect(() => {
    const el = ref.current
    if (el && atBottom.current) el.scrollTop = el.scrollHeight
  }, deps)
  const onScroll = () => {
    const el = ref.current
    if (el) atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
  }
  return { ref, onScroll }
}

/** The conversation with one persona: its history, the reply streaming now, and the message field. */
export function ChatPanel({ persona, onEdit }: { persona: Persona; onEdit(): void }) {
  const name = persona.name
  const conversation = useChatStore((s) => s.conversations[name])
  const load = useChatStore((s) => s.load)
  const send = useChatStore((s) => s.send)
  const [confirm, setConfirm] = useState<'clear' | 'delete' | null>(null)
  useEffect(() => {
    void load(name)
  }, [load, name])

  const entries = conversation?.entries ?? []
  const last = entries[entries.length - 1]
  const { ref, onScroll } = useFollowBottom([entries.length, last?.text, last?.result, name])
  const ready = conversation?.status === 'ready'
  const s = persona.settings
  const lastGenome = [...entries].reverse().map((e) => (e.result ? replyGenome(e.result) : null)).find((g) => g !== null) ?? null

  return (
    <section className="panel chat-panel" aria-label={`Conversation with ${name}`} data-testid="chat-panel">
      <header className="chat-header">
        <PersonaAvatar name={name} size={38} />
        <div className="chat-title">
          <h2>{name}</h2>
          <p className="muted chat-meta">
            <span className="mono" title="Model">
              {persona.model}
            </span>
            <span title="Temperature">temp {s.temperature}</span>
            <span title="Most tokens in a reply">≤ {formatTokens(s.maxTokens)} tokens</span>
            <span title="Context size">{formatTokens(s.contextSize)} context</span>
            <span title="Genome: the LoRA adapters it answers with (none, fixed, or auto: chosen by similarity to each prompt)" data-testid="persona-genome">
              genome {s.genome.mode}
              {s.genome.adapters.length > 0 && ` (${s.genome.adapters.map((a) => a.name).join(', ')})`}
              {lastGenome && ` · last: ${lastGenome.replace(/^Genome: /, '')}`}
            </span>
          </p>
        </div>
        <div className="chat-actions">
          <button type="button" className="button small ghost" onClick={onEdit} aria-label={`Edit ${name}`}>
            <Icon name="edit" size={14} /> Edit
          </button>
          <button type="button" className="button small ghost" onClick={() => setConfirm('clear')} disabled={entries.length === 0 || conversation?.pending != null}>
            <Icon name="eraser" size={14} /> Clear conversation
          </button>
          <button type="button" className="button small ghost danger-text" onClick={() => setConfirm('delete')} aria-label={`Delete ${name}`}>
            <Icon name="trash" size={14} /> Delete
          </button>
        </div>
      </header>
      <CheckpointTimeline persona={name} busy={conversation?.pending != null} />
      <div className="chat-scroll" ref={ref} onScroll={onScroll} role="log" aria-label={`Messages with ${name}`} aria-live="polite" aria-busy={conversation?.pending != null}>
        {conversation?.status === 'failed' && conversation.error && (
          <div>
            <ErrorCallout error={conversation.error} />
            <button type="button" className="button small chat-retry" onClick={() => void load(name)}>
              Try again
            </button>
          </div>
        )}
        {(!conversation || conversation.status === 'loading') && (
          <div className="loading-board" aria-busy="true">
            <span className="spinner" /> Loading the conversation…
          </div>
        )}
        {ready && entries.length === 0 && (
          <div className="empty-state chat-empty">
            <Icon name="message" size={28} />
            <strong>Say hello to {name}</strong>
            <span>The first message can take a moment: Warden loads the model into a worker (and downloads it first if it is not installed).</span>
          </div>
        )}
        {entries.map((e, i) => (
          <ChatEntryView
            key={e.key}
            entry={e}
            persona={name}
            retryPrompt={i === entries.length - 1 && e.error && e.error.code !== 'CANCELLED' && !conversation?.pending && entries[i - 1]?.role === 'user' ? entries[i - 1].text : undefined}
            onRetry={send}
          />
        ))}
      </div>
      <Composer key={name} persona={name} ready={ready} />
      {confirm === 'clear' && (
        <ConfirmDialog
          title={`Clear the conversation with ${name}?`}
          confirmLabel="Clear conversation"
          busyLabel="Clearing…"
          danger
          testId="clear-dialog"
          onClose={() => setConfirm(null)}
          onConfirm={() => clearConversation(name)}
        >
          <p>Every message with {name} is forgotten. The persona and its settings stay.</p>
        </ConfirmDialog>
      )}
      {confirm === 'delete' && (
        <ConfirmDialog
          title={`Delete ${name}?`}
          confirmLabel="Delete persona"
          busyLabel="Deleting…"
          danger
          testId="delete-persona-dialog"
          onClose={() => setConfirm(null)}
          onConfirm={() => deletePersona(name)}
        >
          <p>
            {name} and its conversation are deleted. Its model stays installed (<span className="mono">{persona.model}</span>).
          </p>
        </ConfirmDialog>
      )}
    </section>
  )
}
