import * as path from 'node:path'
import type { OperationName, OperationOutput, OperationParsedInput } from '../../../shared/contract/operations'
import { WardenError } from '../../../shared/errors'
import type { ProgressFn } from '../hibernation/context'
import type { WardenHost } from './WardenHost'

export interface CallContext {
  callId: string
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
  }
}
