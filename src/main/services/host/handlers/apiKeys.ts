import type { apiKeyOperations } from '../../../../shared/contract/domains/apiKeys'
import type { HandlersOf, HostServices } from './context'

export function apiKeyHandlers(s: HostServices) {
  return {
    'apiKey.create': async ({ name }) => s.apiKeys.create(name),
    'apiKey.list': async () => ({ keys: s.apiKeys.list(), endpoint: s.app.openAiEndpoint() }),
    'apiKey.revoke': async ({ name }) => s.apiKeys.revoke(name),
  } satisfies HandlersOf<typeof apiKeyOperations>
}
