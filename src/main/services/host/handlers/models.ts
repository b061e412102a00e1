import type { modelOperations } from '../../../../shared/contract/domains/models'
import { formatBytes } from '../../../../shared/format'
import type { HandlersOf, HostServices } from './context'

export function modelHandlers(s: HostServices) {
  return {
    'model.list': async () => s.inference.listModels(),
    'model.install': async ({ uri, sha256 }, ctx) =>
      s.inference.installModel(uri, {
        sha256,
        signal: ctx.signal,
        onProgress: (p) =>
          ctx.progress('downloading', `${p.fileName}: ${formatBytes(p.bytesDownloaded)}${p.bytesTotal ? ` of ${formatBytes(p.bytesTotal)}` : ''}`, p.percent === null ? null : p.percent / 100),
      }),
    'model.inspect': async ({ id, ...load }) => s.inference.inspectModel(id, load),
    'model.add': async ({ path }) => s.inference.models.add(path),
    'model.remove': async ({ id }) => s.inference.removeModel(id),
  } satisfies HandlersOf<typeof modelOperations>
}
