import { useEffect, useState } from 'react'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import type { Persona } from '../../lib/types'
import { useModelsStore } from '../../stores/modelsStore'
import { usePersonasStore } from '../../stores/personasStore'
import { ChatPanel } from './ChatPanel'
import { PersonaDialog } from './PersonaDialog'
import { PersonaList } from './PersonaList'

/** Personas (a model with a prompt and settings) and a conversation with the one selected. */
export function PersonasPage() {
  const loaded = usePersonasStore((s) => s.loaded)
  const error = usePersonasStore((s) => s.error)
  const refresh = usePersonasStore((s) => s.refresh)
  const selected = usePersonasStore((s) => s.personas.find((p) => p.name === s.selected) ?? null)
  // undefined: closed; null: a new persona; a persona: editing it.
  const [editing, setEditing] = useState<Persona | null | undefined>(undefined)

  useEffect(() => {
    void refresh()
    // The persona form offers the models: have them ready before it opens.
    void useModelsStore.getState().refresh()
  }, [refresh])

  return (
    <div className="inference-page personas-page" data-testid="personas-page">
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      {!loaded ? (
        <div className="loading-board" aria-busy="true">
          <span className="spinner" /> Loading personas…
        </div>
      ) : (
        <div className="personas-layout">
          <PersonaList onCreate={() => setEditing(null)} />
          {selected ? (
            <ChatPanel persona={selected} onEdit={() => setEditing(selected)} />
          ) : (
            <section className="panel chat-panel empty-state wide">
              <Icon name="personas" size={30} />
              <strong>No persona is open</strong>
              <span>Create a persona on a model to talk to it.</span>
              <button type="button" className="button primary" onClick={() => setEditing(null)}>
                <Icon name="plus" size={14} /> New persona
              </button>
            </section>
          )}
        </div>
      )}
      {editing !== undefined && <PersonaDialog persona={editing} onClose={() => setEditing(undefined)} />}
    </div>
  )
}
