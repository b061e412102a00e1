import { randomUUID } from 'node:crypto'
import { GenerationSettings, type ChatMessage, type Persona } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import type { WardenDatabase } from '../storage/Database'

interface PersonaRow {
  id: string
  name: string
  model: string
  system_prompt: string
  settings: string
  created_at: number
  updated_at: number
}

export interface PersonaInput {
  name: string
  model: string
  systemPrompt: string
  settings: Partial<GenerationSettings>
}

/** Messages deleted at once by `prune` beyond which their space is given back to the file system. */
const RECLAIM_AFTER_MESSAGES = 100

/** Personas and their conversations, in SQLite. */
export class PersonaStore {
  /** Bumped when a conversation is cleared: an answer that was running then is not stored. */
  private readonly epochs = new Map<string, number>()

  epoch(personaId: string): number {
    return this.epochs.get(personaId) ?? 0
  }

  constructor(
    private readonly database: WardenDatabase,
    private readonly now: () => number = Date.now,
  ) {}

  private get db() {
    return this.database.db
  }

  private toPersona(r: PersonaRow): Persona {
    const messages = (this.db.prepare('SELECT COUNT(*) AS n FROM persona_messages WHERE persona_id = ?').get(r.id) as { n: number }).n
    return {
      id: r.id,
      name: r.name,
      model: r.model,
      systemPrompt: r.system_prompt,
      settings: GenerationSettings.parse(JSON.parse(r.settings)),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      messages,
    }
  }

  list(): Persona[] {
    return (this.db.prepare('SELECT * FROM personas ORDER BY name COLLATE NOCASE').all() as PersonaRow[]).map((r) => this.toPersona(r))
  }

  find(name: string): Persona | null {
    const r = this.db.prepare('SELECT * FROM personas WHERE name = ? COLLATE NOCASE').get(name.trim()) as PersonaRow | undefined
    return r ? this.toPersona(r) : null
  }

  get(name: string): Persona {
    const p = this.find(name)
    if (!p) {
      const names = this.list().map((x) => x.name)
      throw new WardenError('NOT_FOUND', `No persona named ${JSON.stringify(name)}`, {
        hint: names.length ? `Personas: ${names.join(', ')}` : 'Create one: warden persona create --name NAME --model MODEL',
      })
    }
    return p
  }

  create(input: PersonaInput): Persona {
    if (this.find(input.name)) throw new WardenError('CONFLICT', `A persona named ${JSON.stringify(this.find(input.name)!.name)} already exists`, { hint: 'Choose another name, or edit that persona.' })
    const t = this.now()
    this.db
      .prepare('INSERT INTO personas (id, name, model, system_prompt, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(randomUUID(), input.name.trim(), input.model.trim(), input.systemPrompt, JSON.stringify(GenerationSettings.parse(input.settings)), t, t)
    return this.get(input.name)
  }

  update(name: string, change: { newName?: string; model?: string; systemPrompt?: string; settings?: Partial<GenerationSettings> }): Persona {
    const p = this.get(name)
    if (change.newName && change.newName.toLowerCase() !== p.name.toLowerCase() && this.find(change.newName)) {
      throw new WardenError('CONFLICT', `A persona named ${JSON.stringify(change.newName)} already exists`)
    }
    const settings = GenerationSettings.parse({ ...p.settings, ...change.settings })
    this.db
      .prepare('UPDATE personas SET name = ?, model = ?, system_prompt = ?, settings = ?, updated_at = ? WHERE id = ?')
      .run(change.newName?.trim() ?? p.name, change.model?.trim() ?? p.model, change.systemPrompt ?? p.systemPrompt, JSON.stringify(settings), this.now(), p.id)
    return this.get(change.newName ?? p.name)
  }

  delete(name: string): Persona {
    const p = this.get(name)
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM persona_messages WHERE persona_id = ?').run(p.id)
      this.db.prepare('DELETE FROM personas WHERE id = ?').run(p.id)
    })()
    this.database.reclaimSpace()
    return p
  }

  /**
   * The newest messages of a conversation, up to about `maxChars` of text (what a context can hold
   * at most), oldest first; `start` is the first one's place in the whole conversation (0 = its
   * first message), `total` the messages stored. Reads only the tail, however long the conversation.
   */
  recentHistory(personaId: string, maxChars: number): { messages: ChatMessage[]; start: number; total: number } {
    const total = (this.db.prepare('SELECT COUNT(*) AS n FROM persona_messages WHERE persona_id = ?').get(personaId) as { n: number }).n
    const messages: ChatMessage[] = []
    let chars = 0
    let first = 0
    for (const m of this.db.prepare('SELECT seq, role, text, at FROM persona_messages WHERE persona_id = ? ORDER BY seq DESC').iterate(personaId) as Iterable<ChatMessage & { seq: number }>) {
      chars += m.text.length
      if (chars > maxChars) break
      messages.push({ role: m.role, text: m.text, at: m.at })
      first = m.seq
    }
    messages.reverse()
    // Begin with a question, not with the answer to one left out.
    if (messages[0]?.role === 'assistant') {
      messages.shift()
      first++
    }
    return { messages, start: messages.length ? first - 1 : total, total }
  }

  /**
   * Keep at most `maxMessages` (0: no limit) of each conversation, none older than `maxDays` (0: no
   * limit); resolves to the messages deleted. The space they took is reclaimed.
   */
  prune(retention: { maxMessages: number; maxDays: number }, personaId?: string): number {
    let deleted = 0
    const only = personaId ? ' AND persona_id = ?' : ''
    const args = personaId ? [personaId] : []
    this.db.transaction(() => {
      if (retention.maxMessages > 0) {
        deleted += this.db
          .prepare(`DELETE FROM persona_messages WHERE seq <= (SELECT MAX(seq) FROM persona_messages m WHERE m.persona_id = persona_messages.persona_id) - ?${only}`)
          .run(retention.maxMessages, ...args).changes
      }
      if (retention.maxDays > 0) deleted += this.db.prepare(`DELETE FROM persona_messages WHERE at < ?${only}`).run(this.now() - retention.maxDays * 86_400_000, ...args).changes
    })()
    // A few messages a turn leave pages the next turns fill again; many (a lower setting) are given back.
    if (deleted >= RECLAIM_AFTER_MESSAGES) this.database.reclaimSpace()
    return deleted
  }

  history(personaId: string): ChatMessage[] {
    return (this.db.prepare('SELECT role, text, at FROM persona_messages WHERE persona_id = ? ORDER BY seq').all(personaId) as ChatMessage[]).map((m) => ({ role: m.role, text: m.text, at: m.at }))
  }

  /** Add to a conversation; false when the persona was deleted meanwhile. */
  append(personaId: string, messages: ChatMessage[]): boolean {
    if (!this.db.prepare('SELECT 1 FROM personas WHERE id = ?').get(personaId)) return false
    const insert = this.db.prepare('INSERT INTO persona_messages (persona_id, seq, role, text, at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM persona_messages WHERE persona_id = ?), ?, ?, ?)')
    this.db.transaction(() => {
      for (const m of messages) insert.run(personaId, personaId, m.role, m.text, m.at)
    })()
    return true
  }

  /** The whole conversation with each message's place (`seq`), as a checkpoint keeps it. */
  conversation(personaId: string): Array<ChatMessage & { seq: number }> {
    return this.db.prepare('SELECT seq, role, text, at FROM persona_messages WHERE persona_id = ? ORDER BY seq').all(personaId) as Array<ChatMessage & { seq: number }>
  }

  /** Put back a conversation as a checkpoint kept it (same places); an answer running now is not stored. */
  restore(personaId: string, messages: Array<ChatMessage & { seq: number }>): void {
    this.epochs.set(personaId, this.epoch(personaId) + 1)
    const insert = this.db.prepare('INSERT INTO persona_messages (persona_id, seq, role, text, at) VALUES (?, ?, ?, ?, ?)')
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM persona_messages WHERE persona_id = ?').run(personaId)
      for (const m of messages) insert.run(personaId, m.seq, m.role, m.text, m.at)
    })()
  }

  clear(personaId: string): number {
    this.epochs.set(personaId, this.epoch(personaId) + 1)
    const cleared = this.db.prepare('DELETE FROM persona_messages WHERE persona_id = ?').run(personaId).changes
    if (cleared) this.database.reclaimSpace()
    return cleared
  }
}
