import { useCallback, useEffect, useState } from 'react'
import type { CheckpointInfo } from '../../../../shared/contract/domains/checkpoints'
import { formatAge, formatBytes } from '../../../../shared/format'
import { checkpointPersona, removeCheckpoint, resumePersona } from '../../actions/personaActions'
import { runOperation } from '../../actions/runOperation'
import { Icon } from '../../components/Icon'

/** A persona's checkpoints, newest first, each with a button to resume from it; and one to make a checkpoint now. */
export function CheckpointTimeline({ persona, busy }: { persona: string; busy: boolean }) {
  const [open, setOpen] = useState(false)
  const [list, setList] = useState<CheckpointInfo[] | null>(null)
  const [working, setWorking] = useState(false)
  const refresh = useCallback(async () => {
    const out = await runOperation('persona.checkpoints', { name: persona }, { label: `Listing ${persona}'s checkpoints` })
    setList(out.ok ? out.value.checkpoints : [])
  }, [persona])
  useEffect(() => {
    setList(null)
    if (open) void refresh()
  }, [open, refresh])
  const act = async (fn: () => Promise<boolean>) => {
    setWorking(true)
    try {
      await fn()
      await refresh()
    } finally {
      setWorking(false)
    }
  }
  const now = Date.now()
  return (
    <div className="checkpoints" data-testid="checkpoints">
      <div className="checkpoints-bar">
        <button type="button" className="button small ghost" disabled={busy || working} onClick={() => void act(() => checkpointPersona(persona)).then(() => setOpen(true))}>
          <Icon name="snow" size={14} /> Checkpoint
        </button>
        <button type="button" className="button small ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          <Icon name="archive" size={14} /> Checkpoints{list ? ` (${list.length})` : ''}
        </button>
      </div>
      {open && (
        <ol className="checkpoint-timeline" aria-label={`Checkpoints of ${persona}`}>
          {list === null && <li className="muted">Loading…</li>}
          {list?.length === 0 && <li className="muted">No checkpoints yet: “Checkpoint” freezes {persona} as it is now.</li>}
          {list?.map((c) => (
            <li key={c.id} className="checkpoint-item">
              <span className="checkpoint-when" title={new Date(c.createdAt).toLocaleString()}>
                {formatAge(now - c.createdAt)}
              </span>
              <span className="checkpoint-label">{c.label ?? <span className="mono muted">{c.id}</span>}</span>
              <span className="muted">
                {c.messages} messages · {c.tokens !== null ? `${c.tokens} tokens` : 'conversation only'} · {formatBytes(c.bytes)} · {c.modelId}
              </span>
              <button type="button" className="button small" disabled={busy || working} onClick={() => void act(() => resumePersona(persona, c.id))} aria-label={`Resume ${persona} from ${c.label ?? c.id}`}>
                <Icon name="play" size={12} /> Resume
              </button>
              <button type="button" className="button small ghost danger-text" disabled={working} onClick={() => void act(() => removeCheckpoint(persona, c.id))} aria-label={`Remove checkpoint ${c.label ?? c.id}`}>
                <Icon name="trash" size={12} />
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
