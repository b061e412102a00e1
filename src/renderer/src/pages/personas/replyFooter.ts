import { crashRecoveryNote, leftOutNote } from '../../../../shared/format'
import { formatRate, plural } from '../../lib/inferenceFormat'
import type { GenerationResult } from '../../lib/types'

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

/** What the host had to do for a reply, in words: "installed the model", "loaded the model (paged out b)". */
export function replyNotes(r: GenerationResult): string[] {
  const notes: string[] = []
  if (r.installed) notes.push('installed the model')
  if (r.loaded) notes.push(r.evicted.length ? `loaded the model (paged out ${r.evicted.join(', ')})` : 'loaded the model')
  else if (r.evicted.length) notes.push(`paged out ${r.evicted.join(', ')}`)
  if (r.waitedMs >= 250) notes.push(`waited ${seconds(r.waitedMs)}`)
  if (r.finishReason === 'length') notes.push('stopped at the token limit')
  if (r.finishReason === 'cancelled') notes.push('stopped')
  const leftOut = leftOutNote(r.leftOutMessages)
  if (leftOut) notes.push(leftOut)
  if (r.crashRecovery) notes.push(crashRecoveryNote(r.crashRecovery))
  return notes
}

/** The numbers under a reply: "42 tokens · 1,240 tok/s · 0.3 s". */
export function replyStats(r: GenerationResult): string {
  return [plural(r.tokens, 'token'), formatRate(r.tokensPerSecond), seconds(r.durationMs)].join(' · ')
}

/** "Genome: poet + coder (0.83, pinned)": the adapters a reply was generated with and why; null without a genome. */
export function replyGenome(r: Pick<GenerationResult, 'genome'>): string | null {
  const g = r.genome
  if (!g) return null
  if (!g.adapters.length) return 'Genome: none (no adapter close enough)'
  const why = g.adapters.map((a) => `${a.pinned || a.score === null ? 'pinned' : a.score.toFixed(2)}${a.scale !== 1 ? ` ×${a.scale}` : ''}`)
  return `Genome: ${g.adapters.map((a) => a.name).join(' + ')} (${why.join(', ')})`
}
