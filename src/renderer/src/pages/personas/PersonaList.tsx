import type { KeyboardEvent } from 'react'
import { Icon } from '../../components/Icon'
import { plural } from '../../lib/inferenceFormat'
import { useChatStore } from '../../stores/chatStore'
import { usePersonasStore } from '../../stores/personasStore'
import { PersonaAvatar } from './PersonaAvatar'

/** The personas; ↑/↓ move between them. One that is answering shows it, even when another is open. */
export function PersonaList({ onCreate }: { onCreate(): void }) {
  const personas = usePersonasStore((s) => s.personas)
  const selected = usePersonasStore((s) => s.selected)
  const select = usePersonasStore((s) => s.select)
  const conversations = useChatStore((s) => s.conversations)

  const onKey = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return
    e.preventDefault()
    const i = personas.findIndex((p) => p.name === selected)
    const next = personas[Math.min(personas.length - 1, Math.max(0, i + (e.key === 'ArrowDown' ? 1 : -1)))]
    if (!next) return
    select(next.name)
    e.currentTarget.querySelector<HTMLElement>(`[data-persona="${CSS.escape(next.name)}"]`)?.focus()
  }

  return (
    <aside className="panel persona-list" aria-label="Personas">
      <header className="persona-list-header">
        <h2>
          Personas <span className="count subtle">{personas.length}</span>
        </h2>
        <button type="button" className="button small primary" onClick={onCreate}>
          <Icon name="plus" size={14} /> New
        </button>
      </header>
      {personas.length === 0 ? (
        <div className="empty-state">
          <Icon name="personas" size={28} />
          <strong>No personas yet</strong>
          <span>A persona is a model with a system prompt and settings. Create one to start talking.</span>
        </div>
      ) : (
        <ul className="persona-items" onKeyDown={onKey}>
          {personas.map((p) => {
            const answering = conversations[p.name]?.pending != null
            return (
              <li key={p.id}>
                <button
                  type="button"
                  className={`persona-item${p.name === selected ? ' selected' : ''}`}
                  aria-current={p.name === selected ? 'true' : undefined}
                  data-persona={p.name}
                  data-testid={`persona-item-${p.name}`}
                  onClick={() => select(p.name)}
                >
                  <PersonaAvatar name={p.name} />
                  <span className="persona-item-text">
                    <span className="persona-item-name">{p.name}</span>
                    <span className="persona-item-model mono">{p.model}</span>
                  </span>
                  {answering ? (
                    <span className="typing" title={`${p.name} is answering`}>
                      <span />
                      <span />
                      <span />
                      <span className="sr-only">answering</span>
                    </span>
                  ) : (
                    <span className="persona-item-count" title={plural(p.messages, 'message')} data-testid="persona-count">
                      {p.messages}
                      <span className="sr-only"> messages</span>
                    </span>
                  )}
                </button>
              </li>
            )
          })}
        </ul>
      )}
    </aside>
  )
}
