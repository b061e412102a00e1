/** Human-readable byte count: 2457600 → "2.3 MB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?'
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`
}

/** "5 hours ago", "30 days ago": the seed's wording for ages. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return s <= 1 ? 'just now' : `${s} seconds ago`
  const m = Math.round(s / 60)
  if (m < 60) return m === 1 ? '1 minute ago' : `${m} minutes ago`
  const h = Math.round(m / 60)
  if (h < 48) return h === 1 ? '1 hour ago' : `${h} hours ago`
  const d = Math.round(h / 24)
  return `${d} days ago`
}

/** Said under an answer whose conversation outgrew the persona's context (0: nothing to say). */
export function leftOutNote(leftOutMessages: number): string | null {
  if (leftOutMessages <= 0) return null
  const n = leftOutMessages.toLocaleString('en-US')
  return `Earlier messages no longer fit the context: the oldest ${leftOutMessages === 1 ? 'one was' : `${n} were`} left out`
}

/** "resumed from checkpoint … after its worker crashed": a reply whose context came back from a checkpoint (crash-recovery). */
export function crashRecoveryNote(r: { checkpoint: string; label: string | null; tokens: number }): string {
  return `crash-recovery: its worker crashed; resumed from checkpoint ${r.label ? `“${r.label}” ` : ''}${r.checkpoint} (${r.tokens.toLocaleString('en-US')} tokens restored)`
}

/** "used 3 times, last 2 minutes ago" or "never used": an adapter's usage (generations answered with it). */
export function adapterUsageNote(u: { generations: number; lastUsedAt: number | null }, now = Date.now()): string {
  if (!u.generations || u.lastUsedAt === null) return 'never used'
  return `used ${u.generations === 1 ? 'once' : `${u.generations.toLocaleString('en-US')} times`}, last ${formatAge(now - u.lastUsedAt)}`
}
