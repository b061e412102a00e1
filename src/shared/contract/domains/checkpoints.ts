import { z } from 'zod'
import { PersonaName } from '../inference'
import { defineDomain, defineOperation } from '../operation'
import { FsPath } from './common'

/** A checkpoint's id: its creation time and a random tail (never a path). */
export const CheckpointId = z.string().trim().regex(/^[A-Za-z0-9-]{1,64}$/, 'a checkpoint id (letters, digits and dashes, as `warden persona checkpoints NAME` lists them)')

/** A persona frozen at one moment: its conversation, settings and (when its model was loaded) its context sequence's state. */
export const CheckpointInfo = z.object({
  id: z.string(),
  label: z.string().nullable(),
  createdAt: z.number(),
  /** Bytes on disk (the state and the manifest). */
  bytes: z.number(),
  /** Tokens of context the saved state holds; null when only the conversation was saved. */
  tokens: z.number().nullable(),
  messages: z.number(),
  /** The model it was made with (its id then). */
  modelId: z.string(),
  stateSaved: z.boolean(),
})
export type CheckpointInfo = z.infer<typeof CheckpointInfo>

/** Freeze a persona and resume it exactly where it was, even in another process. */
export const checkpointOperations = defineDomain(
  { runsIn: 'app' },
  {
    'persona.checkpoint': defineOperation({
      summary: 'Freeze a persona: its conversation, settings and context state, to resume from exactly',
      input: z.object({ name: PersonaName, label: z.string().trim().max(200).optional() }),
      output: CheckpointInfo.extend({ name: z.string(), note: z.string().nullable() }),
      mutates: true,
      cli: { positional: ['name'] },
    }),
    'persona.resume': defineOperation({
      summary: 'Resume a persona from a checkpoint (the newest unless one is named): no prompt is processed again',
      input: z.object({ name: PersonaName, checkpoint: CheckpointId.optional() }),
      output: z.object({ name: z.string(), checkpoint: CheckpointInfo, messages: z.number(), stateLoaded: z.boolean(), tokens: z.number().nullable(), note: z.string().nullable() }),
      mutates: true,
      cli: { positional: ['name'] },
    }),
    'persona.checkpoints': defineOperation({
      summary: 'A persona’s checkpoints, newest first',
      input: z.object({ name: PersonaName }),
      output: z.object({ name: z.string(), checkpoints: z.array(CheckpointInfo) }),
      mutates: false,
      cli: { positional: ['name'] },
    }),
    'persona.checkpointExport': defineOperation({
      summary: 'Write one of a persona’s checkpoints (the newest unless one is named) to one file',
      input: z.object({ name: PersonaName, file: FsPath('a file to write is required'), checkpoint: CheckpointId.optional() }),
      output: z.object({ name: z.string(), id: z.string(), file: z.string(), bytes: z.number() }),
      mutates: false,
      cli: { command: ['persona', 'checkpoint-export'], positional: ['name', 'file'] },
      paths: { file: true },
    }),
    'persona.checkpointImport': defineOperation({
      summary: 'Add a checkpoint exported to a file to a persona’s checkpoints (resume it with persona resume)',
      input: z.object({ name: PersonaName, file: FsPath('a file to read is required') }),
      output: CheckpointInfo.extend({ name: z.string() }),
      mutates: true,
      cli: { command: ['persona', 'checkpoint-import'], positional: ['name', 'file'] },
      paths: { file: true },
    }),
    'persona.checkpointRemove': defineOperation({
      summary: 'Remove one of a persona’s checkpoints',
      input: z.object({ name: PersonaName, id: CheckpointId }),
      output: z.object({ name: z.string(), id: z.string(), removed: z.boolean() }),
      mutates: true,
      cli: { command: ['persona', 'checkpoint-remove'], positional: ['name', 'id'] },
    }),
  },
)
