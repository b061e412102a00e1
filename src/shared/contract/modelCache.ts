import { z } from 'zod'
import { ModelInfo } from './inference'

/**
 * Why a downloaded model stays although the models are over `maxModelCacheSize`: pinned, running
 * or waiting requests, loaded in a worker, or the model this install just brought.
 */
export const CacheKeepReason = z.enum(['pinned', 'in use', 'loaded', 'just installed'])
export type CacheKeepReason = z.infer<typeof CacheKeepReason>

/** A downloaded model removed to keep the models folder under `maxModelCacheSize`. */
export const EvictedModel = z.object({
  id: z.string(),
  name: z.string(),
  /** The file that was deleted. */
  path: z.string(),
  size: z.number(),
  /** When it was last loaded or generated with (else installed); null when Warden never saw it used. */
  lastUsedAt: z.number().nullable(),
  /** Why, for a person: "least recently used (last used 12 days ago); …". */
  reason: z.string(),
})
export type EvictedModel = z.infer<typeof EvictedModel>

/** Still over the limit after removing what could be removed: the models that stay, and why. */
export const CacheOverLimit = z.object({
  limitBytes: z.number(),
  usedBytes: z.number(),
  kept: z.array(z.object({ id: z.string(), name: z.string(), size: z.number(), reason: CacheKeepReason })),
})
export type CacheOverLimit = z.infer<typeof CacheOverLimit>

/** The last time models were removed to honour the limit (by this process or another). */
export const CacheEviction = z.object({
  at: z.number(),
  /** What led to it: an install, or the setting lowered. */
  trigger: z.enum(['install', 'setting']),
  evicted: z.array(EvictedModel),
})
export type CacheEviction = z.infer<typeof CacheEviction>

/** The downloaded models against `maxModelCacheSize`, for `model.list`. */
export const ModelCacheState = z.object({
  /** The limit in bytes; null = no limit. */
  limitBytes: z.number().nullable(),
  /** Bytes of the models that count: those Warden downloaded into its models folder. */
  usedBytes: z.number(),
  overLimit: CacheOverLimit.nullable(),
  lastEviction: CacheEviction.nullable(),
})
export type ModelCacheState = z.infer<typeof ModelCacheState>

/** `model.install`: the model, and what was removed to make room for it under the limit. */
export const ModelInstallResult = ModelInfo.extend({
  /** Downloaded models deleted from disk to stay under `maxModelCacheSize` (not memory page-outs). */
  evicted: z.array(EvictedModel),
  /** Set when the models are still over the limit because the rest is pinned, in use or loaded. */
  cacheOverLimit: CacheOverLimit.nullable(),
})
export type ModelInstallResult = z.infer<typeof ModelInstallResult>
