import { z } from 'zod'
import { defineDomain, defineOperation } from '../operation'
import { ActiveModule, EpochMs, ErrorInfo, FileChange, HibernatedVersion, ModuleName, VerifyProblem } from '../schemas'
import { Empty, FsPath } from './common'

const Days = z.number().nonnegative('days cannot be negative').max(36500)

const HibernatedEntry = z.object({
  archivePath: z.string(),
  metadataPath: z.string(),
  name: z.string(),
  size: z.number(),
  fileCount: z.number(),
})

/** The modules of a workspace: hibernate, wake, archive, and the index of what is stored. */
export const moduleOperations = defineDomain(
  { runsIn: 'workspace' },
  {
    'module.list': defineOperation({
      summary: 'Active modules by kind, with version, size, dependencies and dependents',
      input: Empty,
      output: z.object({ workspace: z.string(), kinds: z.array(z.object({ kind: z.string(), modules: z.array(ActiveModule) })) }),
      mutates: false,
    }),
    'module.hibernate': defineOperation({
      summary: 'Pack a module into a verified archive and remove it from the active tree',
      input: z.object({
        name: ModuleName,
        reason: z.string().max(500).default('manual'),
        withDependents: z.boolean().default(false),
        hibernatedBy: z.string().min(1).max(100).default('user'),
        error: ErrorInfo.optional(),
      }),
      output: z.object({
        hibernated: z.array(HibernatedEntry),
        groupId: z.string().nullable(),
        activeCounts: z.record(z.string(), z.number()),
        /** Anything unusual, e.g. a module kept active because it changed while it was being hibernated. */
        notes: z.array(z.string()),
        restoreCommand: z.string(),
      }),
      mutates: true,
    }),
    'module.listHibernated': defineOperation({
      summary: 'Hibernated modules (newest version of each), with age, reason, size, usage and checksum state',
      /** `archiveAfterDays` defaults to the setting of that name (0 = never: `archivesInDays` is null). */
      input: z.object({ archiveAfterDays: Days.optional(), includeWoken: z.boolean().default(false) }),
      output: z.object({ modules: z.array(HibernatedVersion) }),
      mutates: false,
    }),
    'module.listArchived': defineOperation({
      summary: 'Modules in the long-term archive ($WARDEN_HOME/module-archive)',
      input: Empty,
      output: z.object({ modules: z.array(HibernatedVersion), totalSize: z.number() }),
      mutates: false,
    }),
    'module.versions': defineOperation({
      summary: 'Every stored version of one module (hibernated, woken and archived) and its active state',
      input: z.object({ name: ModuleName }),
      output: z.object({ name: z.string(), active: ActiveModule.nullable(), versions: z.array(HibernatedVersion) }),
      mutates: false,
    }),
    'module.wake': defineOperation({
      summary: 'Bring a hibernated module (or a .tgz from anywhere) back into the active tree',
      input: z
        .object({
          name: ModuleName.optional(),
          at: EpochMs.optional(),
          from: FsPath('a .tgz file path is required').optional(),
          fromArchive: z.boolean().default(false),
          /** Where a module from a file goes when its package.json does not say; defaults to the first kind. */
          kind: z.string().optional(),
        })
        .refine((i) => i.name !== undefined || i.from !== undefined, {
          message: 'say which module to wake: --name NAME, or --from FILE.tgz',
        })
        .refine((i) => !(i.from !== undefined && i.fromArchive), { message: '--from and --from-archive cannot be used together' }),
      output: z.object({
        woken: z.array(z.object({ name: z.string(), path: z.string(), fileCount: z.number(), source: z.string() })),
        activeCounts: z.record(z.string(), z.number()),
      }),
      mutates: true,
      paths: { from: true },
    }),
    'module.wakeUpload': defineOperation({
      summary: 'Wake a module from a .tgz sent by the client (a file dropped on the window)',
      input: z.object({
        fileName: z.string().min(1).max(255),
        dataBase64: z.string().min(1, 'the file is empty').max(160 * 1024 * 1024, 'the file is too large to upload (limit 120 MB)'),
        kind: z.string().optional(),
      }),
      output: z.object({
        woken: z.array(z.object({ name: z.string(), path: z.string(), fileCount: z.number(), source: z.string() })),
        activeCounts: z.record(z.string(), z.number()),
      }),
      mutates: true,
      cli: false,
    }),
    'module.archive': defineOperation({
      summary: 'Move hibernations older than N days to the long-term archive (still wakeable)',
      input: z.object({ olderThan: Days.default(30) }),
      output: z.object({
        archived: z.array(z.object({ name: z.string(), size: z.number(), hibernatedAt: EpochMs, path: z.string() })),
        totalArchiveSize: z.number(),
        archiveDir: z.string(),
      }),
      mutates: true,
    }),
    'module.diff': defineOperation({
      summary: 'Files added, removed and changed between two versions, or a version and the active module',
      input: z.object({
        name: ModuleName,
        at: z.array(z.number().int().nonnegative()).max(2, 'give at most two --at versions').default([]),
      }),
      output: z.object({
        name: z.string(),
        from: z.string(),
        to: z.string(),
        changes: z.array(FileChange),
        unchanged: z.number(),
      }),
      mutates: false,
    }),
    'module.verify': defineOperation({
      summary: 'Check every archive checksum, metadata file and the index; --repair finishes interrupted work',
      input: z.object({ repair: z.boolean().default(false) }),
      output: z.object({
        ok: z.boolean(),
        checked: z.object({ archives: z.number(), activeModules: z.number() }),
        problems: z.array(VerifyProblem),
        repaired: z.array(z.string()),
      }),
      mutates: false,
    }),
    'module.pack': defineOperation({
      summary: 'A distributable npm-pack tarball of an active module (honours `files` and .npmignore)',
      input: z.object({ name: ModuleName, outDir: FsPath('a folder path is required').optional() }),
      output: z.object({ path: z.string(), size: z.number(), files: z.array(z.string()), sha256: z.string() }),
      mutates: false,
      paths: { outDir: true },
    }),
    'module.recordUsage': defineOperation({
      summary: 'Count calls of a module (reported by the running system)',
      input: z.object({ name: ModuleName, calls: z.number().int().positive().max(1e9).default(1), at: EpochMs.optional() }),
      output: z.object({ name: z.string(), totalCalls: z.number(), lastUsed: z.number().nullable(), avgCallsPerDay: z.number() }),
      mutates: true,
      cli: { command: ['module', 'record-usage'] },
    }),

    'doctor.run': defineOperation({
      summary: 'Rebuild the index from the files on disk (the open workspace\'s archives, the adapters folder) and report what was found',
      input: Empty,
      output: z.object({
        /** The open workspace whose archives were indexed; null when none is open (only the adapters were). */
        workspace: z.string().nullable(),
        indexed: z.number(),
        removedStale: z.number(),
        problems: z.array(VerifyProblem),
        /** The adapters folder's index: adapters indexed, names the index gained or lost, files that could not be read. */
        adapters: z.object({ indexed: z.number(), added: z.array(z.string()), removed: z.array(z.string()), problems: z.array(z.string()) }),
      }),
      mutates: true,
      cli: { command: ['doctor'] },
    }),
  },
)
