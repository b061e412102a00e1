import * as path from 'node:path'
import type { moduleOperations } from '../../../../shared/contract/domains/modules'
import { adapterStoreOf } from '../../adapters/personaGenome'
import type { HandlersOf, HostServices } from './context'

export function moduleHandlers(s: HostServices) {
  const hib = () => s.workspaces.requireHibernation()
  return {
    'module.list': async () => ({ workspace: hib().workspace.root, kinds: await hib().list() }),
    'module.hibernate': async (input, ctx) => hib().hibernate(input, ctx.progress),
    'module.listHibernated': async ({ archiveAfterDays, includeWoken }) => ({ modules: await hib().listHibernated(archiveAfterDays, includeWoken) }),
    'module.listArchived': async () => hib().listArchived(),
    'module.versions': async ({ name }) => hib().versions(name),
    'module.wake': async (input, ctx) => hib().wake(input, ctx.progress),
    'module.wakeUpload': async ({ fileName, dataBase64, kind }, ctx) => hib().wakeUpload(fileName, Buffer.from(dataBase64, 'base64'), kind, ctx.progress),
    'module.archive': async ({ olderThan }, ctx) => hib().archive(olderThan, ctx.progress),
    'module.diff': async ({ name, at }) => hib().diff(name, at),
    'module.verify': async ({ repair }) => hib().verify(repair),
    // A pack without --out-dir goes to the home's packs folder.
    'module.pack': async ({ name, outDir }) => hib().pack(name, outDir ?? path.join(s.home, 'packs')),
    'module.recordUsage': async ({ name, calls, at }) => hib().recordUsage(name, calls, at ?? Date.now()),
    // The adapters' index always; the archives' when a workspace is open.
    'doctor.run': async () => {
      const adapters = await adapterStoreOf(s).rebuildIndex()
      if (!s.workspaces.info()) return { workspace: null, indexed: 0, removedStale: 0, problems: [], adapters }
      return { workspace: hib().workspace.root, ...(await hib().rebuildIndex()), adapters }
    },
  } satisfies HandlersOf<typeof moduleOperations>
}
