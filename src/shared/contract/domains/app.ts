import { z } from 'zod'
import { defineDomain, defineOperation } from '../operation'
import { WorkspaceInfo } from '../schemas'
import { Empty, FsPath } from './common'

/** This Warden and the workspace it has open: answered by whichever process is asked. */
export const appOperations = defineDomain(
  { runsIn: 'either' },
  {
    'app.info': defineOperation({
      summary: 'Versions and paths of this Warden',
      input: Empty,
      output: z.object({
        version: z.string(),
        runtime: z.enum(['electron', 'server', 'cli']),
        versions: z.record(z.string(), z.string()),
        home: z.string(),
        platform: z.string(),
      }),
      mutates: false,
      cli: { command: ['info'] },
    }),

    'workspace.get': defineOperation({
      summary: 'The workspace currently open, or null',
      input: Empty,
      output: WorkspaceInfo.extend({ recent: z.array(z.string()) }).nullable(),
      mutates: false,
      cli: { command: ['workspace', 'show'] },
    }),
    'workspace.open': defineOperation({
      summary: 'Open a folder as the workspace',
      input: z.object({ path: FsPath('a folder path is required') }),
      output: WorkspaceInfo,
      mutates: true,
      cli: false,
      paths: { path: true },
    }),
    'workspace.createDemo': defineOperation({
      summary: 'Generate a demo workspace (about 20 small modules) and open it',
      input: z.object({ path: FsPath('a folder path is required') }),
      output: WorkspaceInfo.extend({ modules: z.number() }),
      mutates: true,
      cli: { command: ['demo', 'create'], positional: ['path'] },
      paths: { path: true },
    }),
  },
)
