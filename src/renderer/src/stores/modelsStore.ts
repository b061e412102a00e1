import { create } from 'zustand'
import type { EventPayload } from '../../../shared/contract/events'
import type { ModelCacheState } from '../../../shared/contract/modelCache'
import type { WardenError } from '../../../shared/errors'
import { wardenClient } from '../client/clientInstance'
import type { ModelInfo } from '../lib/types'
import { guardedList } from './refetchGuard'

/** A download this window started: it can be followed and cancelled by its call id. */
export interface InstallJob {
  callId: string
  /** What was asked for: a catalog id, an hf: URI or a URL. */
  target: string
  /** 0–1 where known. */
  fraction: number | null
  /** The host's latest progress message ("12 MB of 400 MB"). */
  message: string | null
  cancelling: boolean
}

interface ModelsState {
  loaded: boolean
  models: ModelInfo[]
  storagePath: string | null
  freeBytes: number | null
  /** The downloaded models against maxModelCacheSize, and the last eviction. */
  cache: ModelCacheState | null
  error: WardenError | null
  installs: InstallJob[]
  refresh(): Promise<void>
  startInstall(callId: string, target: string): void
  /** Feeds `operation.progress`; ignores call ids that are not installs. */
  progress(payload: EventPayload<'operation.progress'>): void
  markCancelling(callId: string): void
  finishInstall(callId: string): void
  reset(): void
}

const initial = { loaded: false, models: [], storagePath: null, freeBytes: null, cache: null, error: null, installs: [] }

/** Models: the catalog, installed ones and local files (`model.list`), and the downloads started here. */
export const useModelsStore = create<ModelsState>()((set) => ({
  ...initial,
  ...guardedList(set, initial, () => wardenClient().call('model.list', {}), (out) => ({ models: out.models, storagePath: out.storagePath, freeBytes: out.freeBytes, cache: out.cache })),
  startInstall: (callId, target) => set((s) => ({ installs: [...s.installs, { callId, target, fraction: null, message: null, cancelling: false }] })),
  progress: (p) =>
    set((s) =>
      s.installs.some((j) => j.callId === p.callId)
        ? { installs: s.installs.map((j) => (j.callId === p.callId ? { ...j, fraction: p.fraction, message: p.message } : j)) }
        : s,
    ),
  markCancelling: (callId) => set((s) => ({ installs: s.installs.map((j) => (j.callId === callId ? { ...j, cancelling: true } : j)) })),
  finishInstall: (callId) => set((s) => ({ installs: s.installs.filter((j) => j.callId !== callId) })),
}))

/** The download of `model` started here, if any (by catalog id or by the URI it comes from). */
export function installJobFor(installs: InstallJob[], model: ModelInfo): InstallJob | undefined {
  return installs.find((j) => j.target === model.id || (model.uri !== null && j.target === model.uri))
}
