import type { configOperations } from '../../../../shared/contract/domains/config'
import type { HandlersOf, HostServices } from './context'

export function configHandlers(s: HostServices) {
  return {
    'config.get': async ({ key }) => {
      const settings = s.settings
      return { settings: key ? [settings.row(settings.requireKey(key))] : settings.rows() }
    },
    'config.set': async ({ key, value }) => s.inference.setSetting(key, value),
  } satisfies HandlersOf<typeof configOperations>
}
