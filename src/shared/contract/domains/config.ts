import { z } from 'zod'
import { SettingRow } from '../inference'
import { defineDomain, defineOperation } from '../operation'

/** Settings of inference; the running Warden applies a change at once. */
export const configOperations = defineDomain(
  { runsIn: 'app' },
  {
    'config.get': defineOperation({
      summary: 'Settings (maxVRAM, maxConcurrentWorkers, autoInstallModels, modelStoragePath, …)',
      input: z.object({ key: z.string().optional() }),
      output: z.object({ settings: z.array(SettingRow) }),
      mutates: false,
      cli: { positional: ['key'] },
    }),
    'config.set': defineOperation({
      summary: 'Change a setting (takes effect at once)',
      input: z.object({ key: z.string().min(1, 'a setting name is required'), value: z.union([z.string(), z.number(), z.boolean()]) }),
      output: SettingRow,
      mutates: true,
      cli: { positional: ['key', 'value'] },
      // The one setting that is a folder: the caller's relative path means the caller's folder.
      paths: { value: (input) => input.key === 'modelStoragePath' },
    }),
  },
)
