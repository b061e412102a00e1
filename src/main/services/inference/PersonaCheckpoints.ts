import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { z } from 'zod'
import type { CheckpointInfo } from '../../../shared/contract/domains/checkpoints'
import { ChatMessage, GenerationSettings, priorities, type GenomeConfig, type Persona } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { exists, forceRemove, fsyncDir, fsyncPath, sha256File, TEMP_MARKER, tempNameFor } from '../fs/atomic'
import type { ResolvedModel } from '../models/ModelService'
import { openRegularFile } from '../fs/regularFile'
import { renameNoReplace } from '../fs/safePath'
import type { AdapterRef, SequenceState } from '../workers/protocol'
import { AdapterStore } from '../adapters/AdapterStore'
import { personaSessionKey, type InferenceService } from './InferenceService'
import { sameAdapterSet } from './crashRecovery'
import { logFailure } from '../logging/callLog'

const STATE_FILE = 'state.bin'
/** The first line of an exported checkpoint (`persona checkpoint-export`). */
const EXPORT_MAGIC = 'WARDEN-CHECKPOINT 1'
/** An exported checkpoint's manifest (its conversation included) is at most this long. */
const MAX_EXPORT_HEADER = 256 * 1024 * 1024
const MANIFEST_FILE = 'manifest.json'
/** The label of the checkpoint made before a genome swap replaces a persona's adapters. */
export const GENOME_SWAP_LABEL = 'before genome swap'
/** A checkpoint's temporary folder this old was left by a process killed while writing it (see `sweepTemp`). */
export const STALE_TEMP_MS = 5 * 60_000

/** What identifies a model file's weights layout: its size and the sha256 of its GGUF header and tensor infos. */
const Fingerprint = z.object({ size: z.number(), headerBytes: z.number(), headerSha256: z.string() })
type Fingerprint = z.infer<typeof Fingerprint>

const Manifest = z.object({
  version: z.literal(1),
  id: z.string(),
  personaId: z.string(),
  personaName: z.string(),
  label: z.string().nullable(),
  createdAt: z.number(),
  model: z.object({ ref: z.string(), id: z.string(), path: z.string(), fingerprint: Fingerprint }),
  /** The context sequence's state: null when the model was not loaded or no sequence held the conversation. */
  state: z.object({ file: z.literal(STATE_FILE), sha256: z.string(), bytes: z.number(), tokens: z.number(), windowStart: z.number().nullable() }).nullable(),
  /** The adapter set the state was evaluated with (the persona's last chat's genome): none, the base model. */
  adapters: z.array(z.object({ name: z.string(), path: z.string(), sha256: z.string(), scale: z.number() })).default([]),
  systemPrompt: z.string(),
  settings: GenerationSettings,
  messages: z.array(ChatMessage.extend({ seq: z.number().int() })),
})
type Manifest = z.infer<typeof Manifest>
/** What a checkpoint holds (its manifest.json). */
export type CheckpointManifest = Manifest

/** A checkpoint's state checked to fit the persona's model and adapters (`verifiedState`). */
export interface VerifiedState {
  resolved: ResolvedModel & { path: string }
  adapters: AdapterRef[]
  statePath: string
  windowStart: number | null
}

/** State files' sha256 by path, for the inode, size and change times they had when hashed (see verifiedSha256). */
const hashedStates = new Map<string, { key: string; sha256: string }>()
const MAX_HASHED_STATES = 1000
const RECENT_MS = 1000

/**
 * The sha256 of a state file, hashed again only when the file is not the one this process last
 * hashed at that path (another inode, size, mtime or ctime: any write or copy changes one of them,
 * and ctime cannot be set back), and was not changed in the second before it was hashed. A resume
 * of a state already checked in this process skips reading its megabytes again; a fresh process
 * hashes every state it resumes once.
 */
async function verifiedSha256(file: string): Promise<string> {
  const st = await fsp.stat(file, { bigint: true })
  const key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`
  const known = hashedStates.get(file)
  if (known?.key === key) return known.sha256
  const sha256 = await sha256File(file)
  // A file changed within the last second is hashed again next time: a write in the same tick of the
  // file system's clock as the one hashed would leave the times as they were.
  if (Date.now() - Number(st.ctimeNs / 1_000_000n) < RECENT_MS) return sha256
  if (hashedStates.size >= MAX_HASHED_STATES) hashedStates.clear()
  hashedStates.set(file, { key, sha256 })
  return sha256
}

/**
 * The fingerprint of a GGUF model: its size, and the sha256 of everything before its tensor data
 * (the header, metadata and tensor infos: architecture, shapes, types, offsets). A state saved with
 * one model is refused for another; llama.cpp could crash on it.
 */
export async function modelFingerprint(file: string): Promise<Fingerprint> {
  const { readGgufFileInfo } = await import('node-llama-cpp')
  let headerBytes: number
  try {
    const info = await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false })
    headerBytes = info.infoEndOffset ?? 24 + info.metadataSize + (info.tensorInfoSize ?? 0)
  } catch (error) {
    throw new WardenError('INVALID_INPUT', `${file} is not a readable GGUF model: ${(error as Error).message}`)
  }
  const handle = await fsp.open(file, 'r')
  try {
    const size = (await handle.stat()).size
    const hash = createHash('sha256')
    const buf = Buffer.alloc(1 << 20)
    for (let at = 0; at < headerBytes; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, headerBytes - at), at)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      at += bytesRead
    }
    return { size, headerBytes, headerSha256: hash.digest('hex') }
  } finally {
    await handle.close()
  }
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.size === b.size && a.headerBytes === b.headerBytes && a.headerSha256 === b.headerSha256
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function newId(now: number): string {
  return `${new Date(now).toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 18)}-${randomBytes(3).toString('hex')}`
}

/**
 * Persona checkpoints: a persona frozen (its conversation, system prompt, settings, and its context
 * sequence's state saved by the worker that holds it) into `checkpointStoragePath/<persona id>/<id>/`
 * (state.bin + manifest.json), written to a temporary folder, checked, then renamed into place; and
 * resumed: the conversation put back and the state loaded into a sequence of the model's worker, so
 * the next turn evaluates only its new tokens. A state is never sent to a worker unless its model's
 * fingerprint and its own sha256 match the manifest.
 */
export class PersonaCheckpoints {
  constructor(
    private readonly options: { home: string; inference: InferenceService; onChange: () => void; now?: () => number },
  ) {}

  private get inference(): InferenceService {
    return this.options.inference
  }

  /** This process's folder of states kept while models are paged out (`LoadRequest.pagedStateDir`). */
  private readonly pagedRoot = `${process.pid}-${randomBytes(4).toString('hex')}`

  /** Where a model's worker keeps its conversations' states while the model is paged out; those a process left behind (it was killed) go first. */
  pagedDir(model: { id: string; path: string }): string {
    if (!this.pagedSwept) {
      this.pagedSwept = true
      void this.sweepPaged()
    }
    return path.join(this.root, '.paged', this.pagedRoot, createHash('sha256').update(`${model.id}\0${model.path}`).digest('hex').slice(0, 16))
  }

  private pagedSwept = false

  private async sweepPaged(): Promise<void> {
    const dir = path.join(this.root, '.paged')
    for (const name of await fsp.readdir(dir).catch(() => [] as string[])) {
      const pid = Number(name.split('-')[0])
      if (name === this.pagedRoot || (Number.isInteger(pid) && pid > 0 && pidAlive(pid))) continue
      await forceRemove(path.join(dir, name)).catch(() => undefined)
    }
  }

  /** Personas whose conversation grew since their last checkpoint (for `autoCheckpoint`). */
  private readonly chatted = new Set<string>()
  private autoTimer: NodeJS.Timeout | null = null
  private autoRunning: Promise<string[]> | null = null
  private lastAuto = Date.now()

  /** A persona's conversation grew (a stored turn). */
  noteChat(personaId: string, genome: GenomeConfig): void {
    this.chatted.add(personaId)
    this.answeredWith.set(personaId, genome)
  }

  /** The genome setting each persona's last stored turn was answered with (a checkpoint before a swap keeps it). */
  private readonly answeredWith = new Map<string, GenomeConfig>()

  /**
   * Remove the temporary folders of checkpoints whose writing never finished (the process was
   * killed mid-write: a `kill -9`, a power cut), once older than `STALE_TEMP_MS`: a younger one may
   * be another process's (the app and the CLI share a home) still being written. Their names.
   */
  async sweepTemp(now = Date.now()): Promise<string[]> {
    const removed: string[] = []
    for (const persona of await fsp.readdir(this.root, { withFileTypes: true }).catch(() => [])) {
      if (!persona.isDirectory() || persona.name.startsWith('.')) continue
      const dir = path.join(this.root, persona.name)
      for (const e of await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (!e.isDirectory() || !e.name.startsWith(TEMP_MARKER)) continue
        const tmp = path.join(dir, e.name)
        // The newest write in it counts (a large state is written for a while).
        const times = await Promise.all([tmp, ...(await fsp.readdir(tmp).catch(() => [])).map((f) => path.join(tmp, f))].map((f) => fsp.stat(f).then((st) => st.mtimeMs, () => 0)))
        if (now - Math.max(...times) < STALE_TEMP_MS) continue
        try {
          await forceRemove(tmp)
          removed.push(tmp)
        } catch (error) {
          logFailure(`Removing the unfinished checkpoint ${tmp}`, error)
        }
      }
    }
    return removed
  }

  /** With `autoCheckpoint`: a checkpoint of the personas that chatted, every `checkpointInterval` minutes (looked at twice a minute). */
  startAuto(): void {
    this.autoTimer ??= setInterval(() => {
      const { autoCheckpoint, checkpointInterval } = this.inference.settings.get()
      if (!autoCheckpoint || this.autoRunning || Date.now() - this.lastAuto < checkpointInterval * 60_000) return
      this.lastAuto = Date.now()
      void this.autoCheckpoint()
    }, 30_000)
    this.autoTimer.unref()
  }

  /**
   * A checkpoint (labelled "auto") of each persona that chatted since its last checkpoint; the names
   * of those made. One that fails is noted on stderr (the server's log) and tried again next time.
   */
  autoCheckpoint(): Promise<string[]> {
    if (!this.autoRunning) {
      const run = this.runAuto()
      this.autoRunning = run
      const done = () => {
        if (this.autoRunning === run) this.autoRunning = null
      }
      run.then(done, done)
    }
    return this.autoRunning
  }

  private async runAuto(): Promise<string[]> {
    const made: string[] = []
    for (const id of [...this.chatted]) {
      this.chatted.delete(id)
      const persona = this.inference.personas.list().find((p) => p.id === id)
      if (!persona) continue
      try {
        await this.create(persona.name, 'auto')
        made.push(persona.name)
      } catch (error) {
        this.chatted.add(id)
        console.error(`Could not checkpoint ${persona.name} automatically: ${WardenError.from(error).message}`)
      }
    }
    return made
  }

  /**
   * A turn is about to answer with other adapters than the persona's conversation was last answered
   * with (a genome swap): with `autoCheckpoint`, a checkpoint ("before genome swap") of the state
   * evaluated with the old ones, if the persona chatted since its last checkpoint. One that fails is
   * logged; the turn goes on.
   */
  async beforeGenomeSwap(persona: Persona, next: readonly AdapterRef[]): Promise<void> {
    const last = this.inference.conversationAdapters.get(persona.id)
    if (!last || sameAdapterSet(last, next) || !this.chatted.has(persona.id) || !this.inference.settings.get().autoCheckpoint) return
    try {
      await this.create(persona.name, GENOME_SWAP_LABEL, { waitForTurns: false, genome: this.answeredWith.get(persona.id) })
    } catch (error) {
      logFailure(`Checkpoint of ${persona.name} before a genome swap`, error)
    }
  }

  /** The app or server quits: with `autoCheckpoint`, the personas that chatted are checkpointed while their workers still hold their states. */
  async beforeShutdown(): Promise<void> {
    if (this.autoTimer) clearInterval(this.autoTimer)
    this.autoTimer = null
    await this.autoRunning?.catch(() => undefined)
    if (this.inference.settings.get().autoCheckpoint) await this.autoCheckpoint()
  }

  /** The states kept for paged-out models are this process's only. */
  async dispose(): Promise<void> {
    await forceRemove(path.join(this.root, '.paged', this.pagedRoot)).catch(() => undefined)
  }

  get root(): string {
    return this.inference.settings.get().checkpointStoragePath || path.join(this.options.home, 'checkpoints')
  }

  private dirOf(persona: Persona): string {
    return path.join(this.root, persona.id)
  }

  private async resolveModel(persona: Persona): Promise<ResolvedModel & { path: string }> {
    const resolved = await this.inference.models.resolve(persona.model)
    if (!resolved.path) throw new WardenError('NOT_FOUND', `${persona.name}'s model ${resolved.name} is not installed`, { hint: `Install it: warden model install ${resolved.install?.uri ?? resolved.id}` })
    return { ...resolved, path: resolved.path }
  }

  /** Freeze a persona now (after a turn that is running, if its model holds one). */
  async create(name: string, label?: string, options: { waitForTurns?: boolean; genome?: GenomeConfig } = {}): Promise<CheckpointInfo & { name: string; note: string | null }> {
    let persona = this.inference.personas.get(name)
    this.chatted.delete(persona.id)
    // A turn running now ends (stored) first: the state and the conversation then agree. (Not for
    // the checkpoint a turn makes before it runs: it would wait for itself.)
    if (options.waitForTurns !== false) await this.inference.turnsSettled(persona.id)
    persona = this.inference.personas.get(persona.name)
    const sessionKey = personaSessionKey(persona, this.inference.personas.epoch(persona.id))
    const adapters = this.inference.conversationAdapters.get(persona.id) ?? []
    const resolved = await this.resolveModel(persona)
    const fingerprint = await modelFingerprint(resolved.path)
    const createdAt = (this.options.now ?? Date.now)()
    const id = newId(createdAt)
    const dir = this.dirOf(persona)
    const tmp = path.join(dir, `${TEMP_MARKER}${id}`)
    const final = path.join(dir, id)
    await fsp.mkdir(tmp, { recursive: true })
    try {
      let state: SequenceState | null = null
      let note: string | null = null
      const statePath = path.join(tmp, STATE_FILE)
      if (this.inference.scheduler.isLoaded(resolved.id)) {
        const model = await this.inference.modelRef(resolved, persona.settings.contextSize)
        const scheduled = await this.inference.scheduler.submit(model, { priority: priorities.realtime }, ({ worker }) =>
          worker.request<'saveState'>({ type: 'saveState', sessionKey, path: statePath, ...(adapters.length ? { adapters } : {}) }),
        )
        state = scheduled.value
        if (!state) note = `No sequence of ${resolved.name} holds ${persona.name}'s conversation now: only the conversation was saved (resuming evaluates it again once).`
      } else {
        note = `${resolved.name} is not loaded: only the conversation was saved (resuming evaluates it again once).`
      }
      // The conversation once the state was saved. A turn started since `turnsSettled` may be in the
      // state and not yet here: resuming then evaluates the difference again (the worker matches its
      // cache token by token), never a wrong answer.
      const messages = this.inference.personas.conversation(persona.id)
      let stateInfo: Manifest['state'] = null
      if (state) {
        await fsyncPath(statePath)
        stateInfo = { file: STATE_FILE, sha256: await sha256File(statePath), bytes: (await fsp.stat(statePath)).size, tokens: state.tokens, windowStart: state.windowStart }
      }
      const manifest: Manifest = {
        version: 1,
        id,
        personaId: persona.id,
        personaName: persona.name,
        label: label?.trim() || null,
        createdAt,
        model: { ref: persona.model, id: resolved.id, path: resolved.path, fingerprint },
        state: stateInfo,
        // Named as the adapter store names its files (<name>.gguf).
        adapters: stateInfo ? adapters.map((a) => ({ name: path.basename(a.path, '.gguf'), path: a.path, sha256: a.sha256, scale: a.scale })) : [],
        systemPrompt: persona.systemPrompt,
        // Before a genome swap: the genome setting the state was made with (the persona's is the new one already).
        settings: options.genome ? { ...persona.settings, genome: options.genome } : persona.settings,
        messages,
      }
      const manifestPath = path.join(tmp, MANIFEST_FILE)
      await fsp.writeFile(manifestPath, JSON.stringify(manifest, null, 2))
      await fsyncPath(manifestPath)
      await fsyncDir(tmp)
      await fsp.rename(tmp, final)
      await fsyncDir(dir)
      // Verified as written: a checkpoint that would not resume is not reported as made.
      const written = await this.read(persona, id)
      if (written.state && (await verifiedSha256(path.join(final, STATE_FILE))) !== written.state.sha256) throw new Error('the state file read back does not match what was written')
      await this.prune(persona)
      this.options.onChange()
      return { ...(await this.info(persona, written)), name: persona.name, note }
    } catch (error) {
      await forceRemove(tmp).catch(() => undefined)
      if (error instanceof WardenError) throw error
      await forceRemove(final).catch(() => undefined)
      throw new WardenError('INTERNAL', `The checkpoint of ${persona.name} could not be written: ${(error as Error).message}`, { hint: `Check the checkpoint folder ${this.root} (free space, permissions).` })
    }
  }

  /** Checkpoints of a persona, newest first; a folder without a readable manifest (a torn write) is skipped. */
  async list(name: string): Promise<{ name: string; checkpoints: CheckpointInfo[] }> {
    const persona = this.inference.personas.get(name)
    const manifests = await this.manifests(persona)
    return { name: persona.name, checkpoints: await Promise.all(manifests.map((m) => this.info(persona, m))) }
  }

  private async manifests(persona: Persona): Promise<Manifest[]> {
    const entries = await fsp.readdir(this.dirOf(persona), { withFileTypes: true }).catch(() => [])
    const out: Manifest[] = []
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith(TEMP_MARKER)) continue
      const m = await this.read(persona, e.name).catch(() => null)
      if (m) out.push(m)
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id))
  }

  private async read(persona: Persona, id: string): Promise<Manifest> {
    const file = path.join(this.dirOf(persona), id, MANIFEST_FILE)
    let text: string
    try {
      text = await fsp.readFile(file, 'utf8')
    } catch {
      throw new WardenError('NOT_FOUND', `${persona.name} has no checkpoint ${JSON.stringify(id)}`, { hint: `List them: warden persona checkpoints ${JSON.stringify(persona.name)}` })
    }
    const parsed = Manifest.safeParse((() => { try { return JSON.parse(text) } catch { return null } })())
    if (!parsed.success || parsed.data.id !== id || parsed.data.personaId !== persona.id) {
      throw new WardenError('INVALID_INPUT', `Checkpoint ${id} of ${persona.name} is damaged: its manifest is not readable`, { hint: 'Resume from another checkpoint, or remove this one.' })
    }
    return parsed.data
  }

  private async info(persona: Persona, m: Manifest): Promise<CheckpointInfo> {
    const dir = path.join(this.dirOf(persona), m.id)
    const sizes = await Promise.all([MANIFEST_FILE, STATE_FILE].map((f) => fsp.stat(path.join(dir, f)).then((s) => s.size, () => 0)))
    return { id: m.id, label: m.label, createdAt: m.createdAt, bytes: sizes[0] + sizes[1], tokens: m.state?.tokens ?? null, messages: m.messages.length, modelId: m.model.id, stateSaved: m.state !== null }
  }

  /** Keep the newest `maxCheckpointsPerPersona`. */
  private async prune(persona: Persona): Promise<void> {
    const keep = this.inference.settings.get().maxCheckpointsPerPersona
    for (const m of (await this.manifests(persona)).slice(keep)) await forceRemove(path.join(this.dirOf(persona), m.id))
  }

  /** The newest checkpoint, or the one named. */
  private async pick(persona: Persona, checkpoint?: string): Promise<Manifest> {
    if (checkpoint) return this.read(persona, checkpoint)
    const newest = (await this.manifests(persona))[0]
    if (!newest) throw new WardenError('NOT_FOUND', `${persona.name} has no checkpoint`, { hint: `Make one: warden persona checkpoint ${JSON.stringify(persona.name)}` })
    return newest
  }

  /** Write a checkpoint to one file: a first line naming the format, the manifest on the second, then the state's bytes. */
  async exportTo(name: string, file: string, checkpoint?: string): Promise<{ name: string; id: string; file: string; bytes: number }> {
    const persona = this.inference.personas.get(name)
    const manifest = await this.pick(persona, checkpoint)
    const statePath = path.join(this.dirOf(persona), manifest.id, STATE_FILE)
    if (manifest.state && (await sha256File(statePath).catch(() => null)) !== manifest.state.sha256) {
      throw new WardenError('CHECKSUM_MISMATCH', `Checkpoint ${manifest.id} of ${persona.name} is damaged: its state file does not match the sha256 its manifest records`, { hint: 'Export another checkpoint.' })
    }
    const tmp = tempNameFor(file)
    try {
      const out = await fsp.open(tmp, 'wx', 0o600)
      try {
        await out.write(`${EXPORT_MAGIC}\n${JSON.stringify(manifest)}\n`)
        if (manifest.state) for await (const chunk of createReadStream(statePath, { highWaterMark: 1 << 20 })) await out.write(chunk as Buffer)
        await out.sync()
      } finally {
        await out.close()
      }
      // Never over a file already there (an earlier export, or anything else).
      await renameNoReplace(tmp, file)
    } catch (error) {
      await fsp.rm(tmp, { force: true })
      if (error instanceof WardenError) throw error
      throw new WardenError('INVALID_INPUT', `Could not write ${file}: ${(error as Error).message}`)
    }
    return { name: persona.name, id: manifest.id, file, bytes: (await fsp.stat(file)).size }
  }

  /** Add an exported checkpoint to a persona's; its state's sha256 is checked on the way in (and again at resume). */
  async importFrom(name: string, file: string): Promise<CheckpointInfo & { name: string }> {
    const persona = this.inference.personas.get(name)
    const bad = (why: string) => new WardenError('INVALID_INPUT', `${file} is not a Warden checkpoint export: ${why}`, { hint: 'Export one with: warden persona checkpoint-export NAME FILE' })
    // A FIFO or a device is refused, not waited on forever.
    const handle = await openRegularFile(file, 'file', 'a checkpoint export')
    let header: Buffer
    let manifest: Manifest
    try {
      // The two header lines (the manifest holds the conversation: up to MAX_EXPORT_HEADER bytes).
      const chunks: Buffer[] = []
      let length = 0
      let newlines: number[] = []
      while (newlines.length < 2) {
        const buf = Buffer.alloc(1 << 20)
        const { bytesRead } = await handle.read(buf, 0, buf.length, length)
        if (bytesRead === 0) throw bad('it ends before its manifest does')
        chunks.push(buf.subarray(0, bytesRead))
        length += bytesRead
        if (length > MAX_EXPORT_HEADER + (1 << 20)) throw bad('its manifest is too large')
        const all = Buffer.concat(chunks)
        newlines = []
        for (let at = all.indexOf(10); at !== -1 && newlines.length < 2; at = all.indexOf(10, at + 1)) newlines.push(at)
      }
      const all = Buffer.concat(chunks)
      if (all.subarray(0, newlines[0]).toString('utf8') !== EXPORT_MAGIC) throw bad('it does not start with the format’s name')
      const parsed = Manifest.safeParse((() => { try { return JSON.parse(all.subarray(newlines[0] + 1, newlines[1]).toString('utf8')) } catch { return null } })())
      if (!parsed.success) throw bad('its manifest is not readable')
      manifest = parsed.data
      header = all.subarray(0, newlines[1] + 1)
    } finally {
      await handle.close()
    }
    const id = manifest.id
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw bad('its checkpoint id is not one Warden makes')
    const dir = this.dirOf(persona)
    const final = path.join(dir, id)
    if (await exists(final)) throw new WardenError('CONFLICT', `${persona.name} already has checkpoint ${id}`, { hint: `Remove it first: warden persona checkpoint-remove ${JSON.stringify(persona.name)} ${id}` })
    const tmp = path.join(dir, `${TEMP_MARKER}${id}`)
    await fsp.mkdir(tmp, { recursive: true })
    try {
      const imported: Manifest = { ...manifest, personaId: persona.id, personaName: persona.name }
      if (manifest.state) {
        const statePath = path.join(tmp, STATE_FILE)
        const hash = createHash('sha256')
        const out = await fsp.open(statePath, 'wx', 0o600)
        try {
          for await (const chunk of createReadStream(file, { start: header.length, highWaterMark: 1 << 20 })) {
            hash.update(chunk as Buffer)
            await out.write(chunk as Buffer)
          }
          await out.sync()
        } finally {
          await out.close()
        }
        if (hash.digest('hex') !== manifest.state.sha256) throw new WardenError('CHECKSUM_MISMATCH', `${file} is damaged: its state does not match the sha256 its manifest records (torn or corrupted)`, { hint: 'Export the checkpoint again.' })
      }
      await fsp.writeFile(path.join(tmp, MANIFEST_FILE), JSON.stringify(imported, null, 2))
      await fsyncPath(path.join(tmp, MANIFEST_FILE))
      await fsp.rename(tmp, final)
      await fsyncDir(dir)
      await this.prune(persona)
      this.options.onChange()
      return { ...(await this.info(persona, imported)), name: persona.name }
    } catch (error) {
      await forceRemove(tmp).catch(() => undefined)
      throw error
    }
  }

  /** A deleted persona's checkpoints go with it. */
  async forget(persona: Persona): Promise<void> {
    await forceRemove(this.dirOf(persona))
  }

  async remove(name: string, id: string): Promise<{ name: string; id: string; removed: boolean }> {
    const persona = this.inference.personas.get(name)
    const dir = path.join(this.dirOf(persona), id)
    if (!(await exists(path.join(dir, MANIFEST_FILE)))) throw new WardenError('NOT_FOUND', `${persona.name} has no checkpoint ${JSON.stringify(id)}`, { hint: `List them: warden persona checkpoints ${JSON.stringify(persona.name)}` })
    await forceRemove(dir)
    this.options.onChange()
    return { name: persona.name, id, removed: true }
  }

  /**
   * The adapters a checkpoint's state was evaluated with, as the adapter store has them now: refused
   * (naming the adapter) when one is gone or its file is not the one the state was made with.
   */
  private async sameAdapters(persona: Persona, manifest: Manifest): Promise<AdapterRef[]> {
    const store = new AdapterStore(path.join(this.options.home, 'adapters'))
    const out: AdapterRef[] = []
    for (const a of manifest.adapters) {
      const hint = { hint: `Add the adapter ${a.name} back as it was (sha256 ${a.sha256.slice(0, 12)}…), or resume from a checkpoint made without it.` }
      let entry
      try {
        entry = store.get(a.name)
      } catch {
        throw new WardenError('CONFLICT', `Checkpoint ${manifest.id} of ${persona.name} was made with the adapter ${a.name}, which is not there any more: its state cannot be loaded without it`, hint)
      }
      const now = await sha256File(entry.path).catch(() => null)
      if (entry.sha256 !== a.sha256 || now !== a.sha256) {
        throw new WardenError('CONFLICT', `Checkpoint ${manifest.id} of ${persona.name} was made with the adapter ${a.name} (sha256 ${a.sha256.slice(0, 12)}…), but its file now has sha256 ${(now ?? entry.sha256).slice(0, 12)}…: its state cannot be loaded with other adapter weights`, hint)
      }
      out.push({ path: entry.path, scale: a.scale, sha256: a.sha256 })
    }
    return out
  }

  /** The newest readable checkpoint of a persona, or null. */
  async newest(persona: Persona): Promise<CheckpointManifest | null> {
    return (await this.manifests(persona))[0] ?? null
  }

  /**
   * What loading a checkpoint's state needs, checked: the persona's model is the one the state was
   * saved with (fingerprint), its adapters are there with the same files, and the state file is the
   * one the manifest names. Throws (CONFLICT, CHECKSUM_MISMATCH) before any worker sees the state.
   */
  async verifiedState(persona: Persona, manifest: CheckpointManifest & { state: NonNullable<CheckpointManifest['state']> }): Promise<VerifiedState> {
    const resolved = await this.resolveModel(persona)
    const now = await modelFingerprint(resolved.path)
    if (!sameFingerprint(now, manifest.model.fingerprint)) {
      throw new WardenError('CONFLICT', `Checkpoint ${manifest.id} was made with ${manifest.model.id} (${manifest.model.path}, ${manifest.model.fingerprint.size} bytes, header sha256 ${manifest.model.fingerprint.headerSha256.slice(0, 12)}…), but ${persona.name}'s model is now ${resolved.id} (${resolved.path}, ${now.size} bytes, header sha256 ${now.headerSha256.slice(0, 12)}…): its state cannot be loaded into another model`, {
        hint: `Give ${persona.name} its model back (warden persona edit ${JSON.stringify(persona.name)} --model ${manifest.model.ref}), or resume from a checkpoint made with this model.`,
      })
    }
    const adapters = await this.sameAdapters(persona, manifest)
    const statePath = path.join(this.dirOf(persona), manifest.id, STATE_FILE)
    const sha = await verifiedSha256(statePath).catch(() => null)
    if (sha !== manifest.state.sha256) {
      throw new WardenError('CHECKSUM_MISMATCH', `Checkpoint ${manifest.id} of ${persona.name} is damaged: its state file ${sha === null ? 'is missing' : 'does not match the sha256 its manifest records'} (torn or corrupted)`, {
        hint: `Resume from an earlier checkpoint (warden persona checkpoints ${JSON.stringify(persona.name)}), or remove this one.`,
      })
    }
    return { resolved, adapters, statePath, windowStart: manifest.state.windowStart }
  }

  /** Load a verified state into a sequence of the persona's model's worker (loaded for it), as the conversation `sessionKey`. */
  async loadVerified(persona: Persona, verified: VerifiedState, sessionKey: string): Promise<SequenceState> {
    const model = await this.inference.modelRef(verified.resolved, persona.settings.contextSize)
    const { adapters, statePath, windowStart } = verified
    const scheduled = await this.inference.scheduler.submit(model, { priority: priorities.realtime }, ({ worker }) =>
      worker.request<'loadState'>({ type: 'loadState', sessionKey, windowStart, path: statePath, ...(adapters.length ? { adapters } : {}) }),
    )
    this.inference.conversationAdapters.set(persona.id, adapters)
    return scheduled.value
  }

  /**
   * Resume a persona from a checkpoint (the newest by default): its conversation, system prompt and
   * settings put back, and its state loaded into a sequence of its model's worker (loaded for it).
   * Refused, before anything changes, when the persona's model file is not the one the state was
   * saved with, or the state file is not the one the manifest names (a torn or corrupt copy).
   */
  async resume(name: string, checkpoint?: string) {
    let persona = this.inference.personas.get(name)
    let manifest: Manifest
    if (checkpoint) manifest = await this.read(persona, checkpoint)
    else {
      const newest = await this.newest(persona)
      if (!newest) throw new WardenError('NOT_FOUND', `${persona.name} has no checkpoint to resume from`, { hint: `Make one: warden persona checkpoint ${JSON.stringify(persona.name)}` })
      manifest = newest
    }
    let note: string | null = null
    const verified = manifest.state ? await this.verifiedState(persona, { ...manifest, state: manifest.state }) : null
    // The persona as it was: conversation (same places), system prompt, settings.
    this.inference.personas.restore(persona.id, manifest.messages)
    persona = this.inference.personas.update(persona.name, { systemPrompt: manifest.systemPrompt, settings: manifest.settings })
    this.options.onChange()
    let loaded: SequenceState | null = null
    if (verified) {
      const sessionKey = personaSessionKey(persona, this.inference.personas.epoch(persona.id))
      try {
        loaded = await this.loadVerified(persona, verified, sessionKey)
      } catch (error) {
        // The conversation is back already; only the time its state would have saved is lost.
        note = `The conversation is restored, but its state could not be loaded (${WardenError.from(error).message}): the next turn evaluates it again.`
      }
    } else {
      note = 'This checkpoint holds the conversation only: the next turn evaluates it again.'
    }
    return { name: persona.name, checkpoint: await this.info(persona, manifest), messages: manifest.messages.length, stateLoaded: loaded !== null, tokens: loaded?.tokens ?? null, note }
  }
}
