import { z } from 'zod'

/**
 * A module's package name: `name` or `@scope/name`. Spaces and unicode are allowed (folder names
 * can hold them); path tricks are not.
 */
export const ModuleName = z
  .string()
  .trim()
  .min(1, 'a module name is required')
  .max(214, 'a module name is at most 214 characters (npm’s limit)')
  .refine((n) => !/[\\\0]/.test(n), 'a module name cannot contain a backslash or a NUL byte')
  .refine((n) => /^(@[^/]+\/)?[^/@][^/]*$/.test(n), 'a module name is `name` or `@scope/name`, with no other slashes')
  .refine((n) => !n.split('/').some((s) => s === '.' || s === '..'), 'a module name cannot be `.` or `..`')

export const EpochMs = z.number().int().nonnegative()

export const ModuleKind = z.string().min(1)

export const ActiveModule = z.object({
  name: z.string(),
  kind: z.string(),
  /** Singular of the kind, as in the seed's metadata (`command`, `daemon`, `widget`). */
  type: z.string(),
  version: z.string().nullable(),
  description: z.string().nullable(),
  /** Path relative to the workspace, with forward slashes. */
  path: z.string(),
  size: z.number(),
  fileCount: z.number(),
  dependencies: z.array(z.string()),
  dependents: z.array(z.string()),
  usage: z.object({ lastUsed: z.number().nullable(), totalCalls: z.number(), avgCallsPerDay: z.number() }),
})
export type ActiveModule = z.infer<typeof ActiveModule>

export const ErrorInfo = z.object({ type: z.string(), message: z.string(), stack: z.string().optional() })

/** The metadata file beside each archive: the seed's format plus what Warden needs. */
export const HibernationMetadata = z.object({
  formatVersion: z.literal(1),
  module: z.string(),
  type: z.string(),
  kind: z.string(),
  version: z.string().nullable(),
  hibernatedAt: EpochMs,
  reason: z.string(),
  error: ErrorInfo.optional(),
  dependencies: z.array(z.string()),
  dependents: z.array(z.string()),
  usage: z.object({ lastUsed: z.number().nullable(), totalCalls: z.number(), avgCallsPerDay: z.number() }),
  lastWorkingVersion: z.string().nullable(),
  hibernatedBy: z.string(),
  packageSize: z.number(),
  checksums: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  originalPath: z.string(),
  workspace: z.string(),
  fileCount: z.number(),
  unpackedSize: z.number(),
  /** Folders present in the module that the archive deliberately leaves out. */
  leftOut: z.array(z.string()),
  /** Of `leftOut`, the `.git` folders (a repository's own history cannot be rebuilt): moved to `.warden/kept/<name>.<ms>/` and put back on wake. */
  keptAside: z.array(z.string()).optional(),
  group: z.object({ id: z.string(), root: z.string(), members: z.array(z.string()) }).nullable(),
})
export type HibernationMetadata = z.infer<typeof HibernationMetadata>

export const HibernationLocation = z.enum(['hibernation', 'archive'])

/** One stored version of a module: an archive plus its metadata. */
export const HibernatedVersion = z.object({
  name: z.string(),
  kind: z.string(),
  type: z.string(),
  version: z.string().nullable(),
  hibernatedAt: EpochMs,
  reason: z.string(),
  error: ErrorInfo.optional(),
  hibernatedBy: z.string(),
  size: z.number(),
  fileCount: z.number(),
  unpackedSize: z.number(),
  usage: HibernationMetadata.shape.usage,
  dependencies: z.array(z.string()),
  dependents: z.array(z.string()),
  location: HibernationLocation,
  archivePath: z.string(),
  metadataPath: z.string(),
  sha256: z.string(),
  /** The archive's checksum matches its metadata. */
  restorable: z.boolean(),
  problem: z.string().nullable(),
  /** When it was woken, if it was; woken versions stay as history. */
  wokenAt: EpochMs.nullable(),
  group: HibernationMetadata.shape.group,
  /** Days until it is archived automatically (setting `archiveAfterDays`); null once archived, or when that setting is 0 (never). */
  archivesInDays: z.number().nullable(),
  lastWorkingVersion: z.string().nullable(),
})
export type HibernatedVersion = z.infer<typeof HibernatedVersion>

export const WorkspaceInfo = z.object({
  path: z.string(),
  kinds: z.array(z.string()),
  hibernationDir: z.string(),
  archiveDir: z.string(),
})
export type WorkspaceInfo = z.infer<typeof WorkspaceInfo>

export const FileChange = z.object({
  path: z.string(),
  status: z.enum(['added', 'removed', 'changed']),
  binary: z.boolean(),
  /** Unified diff for text files. */
  patch: z.string().nullable(),
  sizeBefore: z.number().nullable(),
  sizeAfter: z.number().nullable(),
})
export type FileChange = z.infer<typeof FileChange>

export const VerifyProblem = z.object({
  severity: z.enum(['error', 'warning']),
  subject: z.string(),
  message: z.string(),
})
export type VerifyProblem = z.infer<typeof VerifyProblem>
