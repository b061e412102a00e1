import { memo } from 'react'
import type { ChatEntry } from '../../stores/chatStore'
import { Icon } from '../../components/Icon'
import { replyGenome, replyNotes, replyStats } from './replyFooter'

/** Where a failed reply's cause can be looked at (and fixed). */
const FIX_PAGE: Record<string, { href: string; label: string } | undefined> = {
  QUARANTINED: { href: '#workers', label: 'Open Workers' },
  WORKER_CRASHED: { href: '#workers', label: 'Open Workers' },
  DOES_NOT_FIT: { href: '#workers', label: 'Open Workers' },
  BUSY: { href: '#workers', label: 'Open Workers' },
  NOT_FOUND: { href: '#models', label: 'Open Models' },
  DOWNLOAD_FAILED: { href: '#models', label: 'Open Models' },
  NO_SPACE: { href: '#models', label: 'Open Models' },
}

/** One message. A reply streams with a caret, then shows its footer; a failed one says why and what to do. */
interface ChatEntryViewProps {
  entry: ChatEntry
  persona: string
  /** For a failed reply: the message to send again, when nothing else is streaming. */
  retryPrompt?: string
  onRetry?(persona: string, prompt: string): void
}

export const ChatEntryView = memo(function ChatEntryView({ entry, persona, retryPrompt, onRetry }: ChatEntryViewProps) {
  if (entry.role === 'user') {
    return (
      <div className="chat-entry from-user" data-testid="chat-user">
        <div className="bubble">{entry.text}</div>
      </div>
    )
  }
  const streaming = entry.callId !== undefined
  const cancelled = entry.error?.code === 'CANCELLED'
  const failed = entry.error !== undefined && !cancelled
  return (
    <div className={`chat-entry from-assistant${streaming ? ' streaming' : ''}`} data-testid={streaming ? 'chat-streaming' : 'chat-reply'}>
      {(entry.text || streaming) && (
        <div className="bubble" data-testid="chat-reply-text">
          {entry.text}
          {streaming && <span className="caret" aria-hidden="true" />}
          {streaming && !entry.text && <span className="muted thinking">{persona} is thinking…</span>}
        </div>
      )}
      {entry.result && (
        <div className="reply-footer" data-testid="chat-footer">
          <span>{replyStats(entry.result)}</span>
          {replyNotes(entry.result).map((n) => (
            <span key={n} className="reply-note">
              {n}
            </span>
          ))}
          {replyGenome(entry.result) && (
            <span className="reply-note" data-testid="reply-genome">
              {replyGenome(entry.result)}
            </span>
          )}
        </div>
      )}
      {cancelled && (
        <div className="reply-footer">
          <span className="reply-note">stopped</span>
        </div>
      )}
      {failed && (
        <div className="callout danger chat-error" role="alert" data-testid="chat-error">
          <Icon name="alert" size={16} />
          <div>
            <strong>
              <span className="error-code mono">{entry.error!.code}</span> {entry.error!.message}
            </strong>
            {entry.error!.hint && <p>{entry.error!.hint}</p>}
            <div className="chat-error-actions">
              {retryPrompt !== undefined && onRetry && (
                <button type="button" className="button small" onClick={() => onRetry(persona, retryPrompt)}>
                  <Icon name="restart" size={14} /> Send again
                </button>
              )}
              {FIX_PAGE[entry.error!.code] && (
                <a className="button small ghost" href={FIX_PAGE[entry.error!.code]!.href}>
                  {FIX_PAGE[entry.error!.code]!.label}
                </a>
              )}
            </div>
          </div>
        </div>
      )}
    </div>
  )
})
