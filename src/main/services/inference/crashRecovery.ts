import type { ChatMessage, GenerationResult, Persona } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { logger } from '../logging/processLog'
import type { AdapterRef } from '../workers/protocol'
import type { CheckpointManifest, PersonaCheckpoints } from './PersonaCheckpoints'

const log = logger('checkpoints')

export type CrashRecovered = NonNullable<GenerationResult['crashRecovery']>

/** The same adapters, in the same order, with the same files and scales (the state was evaluated with them). */
export function sameAdapterSet(a: readonly AdapterRef[], b: readonly AdapterRef[]): boolean {
  return a.length === b.length && a.every((x, i) => x.sha256 === b[i].sha256 && x.scale === b[i].scale)
}

/** A checkpoint's conversation is where the current one started: the same messages at the same places, the current one possibly longer. */
export function continuesFrom(saved: ReadonlyArray<ChatMessage & { seq: number }>, current: ReadonlyArray<ChatMessage & { seq: number }>): boolean {
  return saved.length <= current.length && saved.every((m, i) => m.seq === current[i].seq && m.role === current[i].role && m.text === current[i].text)
}

/** Why a checkpoint's state cannot stand for the persona's lost one; null when it can. */
export function unusableBecause(manifest: CheckpointManifest, persona: Persona, current: ReadonlyArray<ChatMessage & { seq: number }>, adapters: readonly AdapterRef[]): string | null {
  if (!manifest.state) return 'it holds the conversation only'
  if (manifest.systemPrompt !== persona.systemPrompt) return 'the system prompt changed since'
  if (!continuesFrom(manifest.messages, current)) return 'the conversation changed since (cleared, restored or pruned)'
  const saved = manifest.adapters.map((a) => ({ path: a.path, scale: a.scale, sha256: a.sha256 }))
  if (!sameAdapterSet(saved, adapters)) return 'it was made with other adapters than this turn uses'
  return null
}

export interface CrashRecoveryDeps {
  /** Crashes of a model's worker so far (the scheduler's count), or null when it has no worker slot. */
  crashes: (modelId: string) => number | null
  checkpoints: Pick<PersonaCheckpoints, 'newest' | 'verifiedState' | 'loadVerified'>
  conversation: (personaId: string) => Array<ChatMessage & { seq: number }>
}

/**
 * After a worker crash, a persona's conversation comes back from its newest checkpoint instead of
 * being read again whole: each stored turn notes which model's worker holds the conversation and
 * how many times that worker had crashed; when the count has grown by the next turn, the state the
 * worker held is gone, and the newest checkpoint's state is loaded in its place when it still
 * fits (its conversation is where the current one started, the same model file, adapters and system
 * prompt). The turn then evaluates only the messages after the checkpoint.
 */
export class CrashRecovery {
  private readonly served = new Map<string, { modelId: string; crashes: number; sessionKey: string }>()

  constructor(private readonly deps: CrashRecoveryDeps) {}

  /** A turn of the persona's conversation `sessionKey` was answered and stored by `modelId`'s worker. */
  noteServed(personaId: string, sessionKey: string, modelId: string): void {
    const crashes = this.deps.crashes(modelId)
    if (crashes === null) this.served.delete(personaId)
    else this.served.set(personaId, { modelId, crashes, sessionKey })
  }

  forget(personaId: string): void {
    this.served.delete(personaId)
  }

  /**
   * Before a turn of the persona's conversation: when the worker that held it crashed since its last
   * turn, its newest checkpoint's state is loaded (logged either way). Null when nothing was lost or
   * no checkpoint fits; never throws (the turn then evaluates the conversation again, as before).
   */
  async beforeTurn(persona: Persona, sessionKey: string, adapters: readonly AdapterRef[]): Promise<CrashRecovered | null> {
    const last = this.served.get(persona.id)
    if (!last || last.sessionKey !== sessionKey) return null
    const crashes = this.deps.crashes(last.modelId)
    if (crashes === null || crashes === last.crashes) return null
    // One try per crash: the turn that follows notes the worker again.
    this.served.delete(persona.id)
    try {
      const manifest = await this.deps.checkpoints.newest(persona)
      if (!manifest) {
        log.info(`${persona.name}'s context was lost with ${last.modelId}'s worker (crashed); no checkpoint to recover it from: the conversation is evaluated again`, { persona: persona.name })
        return null
      }
      const why = unusableBecause(manifest, persona, this.deps.conversation(persona.id), adapters)
      if (why || !manifest.state) {
        log.info(`${persona.name}'s context was lost with ${last.modelId}'s worker (crashed); checkpoint ${manifest.id} does not fit (${why}): the conversation is evaluated again`, { persona: persona.name, checkpoint: manifest.id })
        return null
      }
      const verified = await this.deps.checkpoints.verifiedState(persona, { ...manifest, state: manifest.state })
      const loaded = await this.deps.checkpoints.loadVerified(persona, verified, sessionKey)
      log.info(`crash-recovery: ${persona.name} resumed from checkpoint ${manifest.id} (${loaded.tokens} tokens) after ${last.modelId}'s worker crashed`, { persona: persona.name, checkpoint: manifest.id, tokens: loaded.tokens })
      return { checkpoint: manifest.id, label: manifest.label, createdAt: manifest.createdAt, tokens: loaded.tokens }
    } catch (error) {
      log.warn(`${persona.name}'s context could not be recovered after ${last.modelId}'s worker crashed: ${WardenError.from(error).message}`, { persona: persona.name })
      return null
    }
  }
}
