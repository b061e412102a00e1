import { z } from 'zod'
import { EpochMs } from './schemas'

/** What a person calls an API key: the tool it is for ("cursor", "scripts"). */
export const ApiKeyName = z
  .string()
  .trim()
  .min(1, 'a key name is required, e.g. the tool it is for')
  .max(64, 'a key name is at most 64 characters')
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, 'a key name uses letters, digits, spaces, dots, dashes and underscores, and starts with a letter or digit')

/** An API key as Warden shows it after its creation: never the key itself, only its first characters. */
export const ApiKeyInfo = z.object({
  id: z.string(),
  name: z.string(),
  /** The key's first characters (`wdn_AbCd1234`), to tell keys apart. */
  prefix: z.string(),
  createdAt: EpochMs,
  /** Last request with it, to the minute; null when never used. */
  lastUsedAt: EpochMs.nullable(),
})
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>
