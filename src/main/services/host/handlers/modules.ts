import * as path from 'node:path'
import type { moduleOperations } from '../../../../shared/contract/domains/modules'
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
    'doctor.run': async () => hib().rebuildIndex(),
  } satisfies HandlersOf<typeof moduleOperations>
}
