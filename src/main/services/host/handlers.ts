import * as path from 'node:path'
import type { OperationName, OperationOutput, OperationParsedInput } from '../../../shared/contract/operations'
import { WardenError } from '../../../shared/errors'
import { formatBytes } from '../../../shared/format'
import { splitMemory } from '../models/ggufFacts'
import type { ProgressFn } from '../hibernation/context'
import { logHandlers } from './logHandlers'
import type { WardenHost } from './WardenHost'

export interface CallContext {
  callId: string
  /** Aborted by `operation.cancel` with this call's id, or when the host shuts down. */
  signal: AbortSignal
  progress: ProgressFn
}

/** One handler per operation; the compiler checks that every operation of the contract has one. */
export type Handlers = {
  [K in OperationName]: (input: OperationParsedInput<K>, ctx: CallContext) => Promise<OperationOutput<K>>
}

export function createHandlers(host: WardenHost): Handlers {
  const hib = () => host.requireHibernation()
  return {
    'app.info': async () => host.info(),
    'workspace.get': async () => host.workspaceInfo(),
    'workspace.open': async ({ path: p }) => host.openWorkspace(p),
    'workspace.createDemo': async ({ path: p }) => host.createDemo(p),

    'module.list': async () => ({ workspace: hib().workspace.root, kinds: await hib().list() }),
    'module.hibernate': async (input, ctx) => hib().hibernate(input, ctx.progress),
    'module.listHibernated': async ({ archiveAfterDays, includeWoken }) => ({ modules: await hib().listHibernated(archiveAfterDays, includeWoken) }),
    'module.listArchived': async () => hib().listArchived(),
    'module.versions': async ({ name }) => hib().versions(name),
    'module.wake': async (input, ctx) => hib().wake(input, ctx.progress),
    'module.wakeUpload': async ({ fileName, dataBase64, kind }, ctx) => {
      if (!fileName.endsWith('.tgz') && !fileName.endsWith('.tar.gz')) {
        throw new WardenError('INVALID_INPUT', `${fileName} is not a .tgz package`, { hint: 'Drop a .tgz made by npm pack or by Warden.' })
      }
      return hib().wakeUpload(fileName, Buffer.from(dataBase64, 'base64'), kind, ctx.progress)
    },
    'module.archive': async ({ olderThan }, ctx) => hib().archive(olderThan, ctx.progress),
    'module.diff': async ({ name, at }) => hib().diff(name, at),
    'module.verify': async ({ repair }) => hib().verify(repair),
    'module.pack': async ({ name, outDir }) => hib().pack(name, outDir ?? path.join(host.home, 'packs')),
    'module.recordUsage': async ({ name, calls, at }) => hib().recordUsage(name, calls, at ?? Date.now()),
    'doctor.run': async () => hib().rebuildIndex(),

    'operation.cancel': async ({ callId }) => ({ cancelled: host.cancel(callId) }),

    'model.list': async () => {
      const ai = host.inference
      return { models: await ai.models.list((id) => ai.scheduler.isLoaded(id)), storagePath: ai.models.modelsDir, freeBytes: await ai.modelsDirFree() }
    },
    'model.install': async ({ uri, sha256 }, ctx) => {
      const ai = host.inference
      return ai.models.install(uri, {
        sha256,
        signal: ctx.signal,
        onProgress: (p) =>
          ctx.progress('downloading', `${p.fileName}: ${formatBytes(p.bytesDownloaded)}${p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}`, p.percent === null ? null : p.percent / 100),
      })
    },
    'model.inspect': async ({ id, contextSize, gpuLayers, sequences }) => {
      const ai = host.inference
      const model = await ai.models.info(id, (x) => ai.scheduler.isLoaded(x))
      if (!model.path || !model.installed) throw new WardenError('NOT_FOUND', `${model.name} is not installed, so its GGUF cannot be read yet`, { hint: `Install it: warden model install ${model.id}` })
      const shape = await ai.models.shape(model.path)
      return { model, estimate: { ...splitMemory(shape, contextSize, sequences, gpuLayers), sequences } }
    },
    'model.add': async ({ path: file }) => host.inference.models.add(file),
    'model.remove': async ({ id }) => host.inference.removeModel(id),

    'worker.list': async () => {
      const ai = host.inference
      await ai.scheduler.refreshStats()
      return { workers: ai.scheduler.list(), budget: await ai.budget(), queue: { depth: ai.scheduler.queueDepth(), max: ai.settings.get().maxQueueSize }, cores: ai.scheduler.cores }
    },
    'worker.load': async ({ model }, ctx) => host.inference.loadModel(model, ctx.signal),
    'worker.unload': async ({ model }) => ({ model, unloaded: await host.inference.scheduler.unload(model) }),
    'worker.restart': async ({ model }) => {
      const ai = host.inference
      return ai.scheduler.info(await ai.scheduler.restart(await ai.modelRefById(model)))
    },
    'worker.pin': async ({ model, unpin }) => host.inference.scheduler.info(host.inference.scheduler.pin(model, !unpin)),
    'worker.kill': async ({ model }) => ({ model, pid: host.inference.scheduler.kill(model) }),

    'persona.list': async () => ({ personas: host.inference.personas.list() }),
    'persona.create': async (input) => {
      const ai = host.inference
      // Refuse a model that names nothing now, not at the first chat; a file is kept as its model id.
      const resolved = await ai.models.resolve(input.model)
      const p = ai.personas.create({ ...input, model: resolved.install ? input.model : resolved.id })
      host.emit('personas.changed', { at: Date.now() })
      return p
    },
    'persona.update': async ({ name, ...change }) => {
      const ai = host.inference
      if (change.model) {
        const resolved = await ai.models.resolve(change.model)
        if (!resolved.install) change.model = resolved.id
      }
      const p = ai.personas.update(name, change)
      host.emit('personas.changed', { at: Date.now() })
      return p
    },
    'persona.delete': async ({ name }) => {
      const p = host.inference.personas.delete(name)
      host.emit('personas.changed', { at: Date.now() })
      return { name: p.name, deleted: true }
    },
    'persona.history': async ({ name }) => {
      const ai = host.inference
      const p = ai.personas.get(name)
      return { name: p.name, messages: ai.personas.history(p.id) }
    },
    'persona.clear': async ({ name }) => {
      const ai = host.inference
      const p = ai.personas.get(name)
      const cleared = ai.personas.clear(p.id)
      host.emit('personas.changed', { at: Date.now() })
      return { name: p.name, cleared }
    },
    'persona.chat': async (input, ctx) =>
      host.inference.chat(input, {
        signal: ctx.signal,
        onText: (text) => host.emit('persona.token', { callId: ctx.callId, persona: input.name, text }),
        onProgress: ctx.progress,
      }),

    'apiKey.create': async ({ name }) => host.apiKeys.create(name),
    'apiKey.list': async () => ({ keys: host.apiKeys.list(), endpoint: host.openAiEndpoint() }),
    'apiKey.revoke': async ({ name }) => host.apiKeys.revoke(name),

    'config.get': async ({ key }) => {
      const s = host.inference.settings
      return { settings: key ? [s.row(s.requireKey(key))] : s.rows() }
    },
    'config.set': async ({ key, value }) => {
      const row = host.inference.settings.set(key, value)
      host.emit('workers.changed', { at: Date.now(), reason: `setting ${key}` })
      return row
    },

    ...logHandlers(host),
  }
}
