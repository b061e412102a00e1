import { z } from 'zod'
import { ApiKeyInfo, ApiKeyName } from '../apiKeys'
import { defineDomain, defineOperation } from '../operation'
import { Empty } from './common'

/** Keys of the OpenAI-compatible endpoint: in the database every process shares, so any process serves them. */
export const apiKeyOperations = defineDomain(
  { runsIn: 'either' },
  {
    'apiKey.create': defineOperation({
      summary: 'Create an API key for the OpenAI-compatible endpoint (/v1 only, not the rest of the API); the key is shown this once',
      input: z.object({ name: ApiKeyName }),
      output: ApiKeyInfo.extend({ key: z.string() }),
      mutates: true,
    }),
    'apiKey.list': defineOperation({
      summary: 'API keys of the OpenAI-compatible endpoint (their first characters, never the keys), and the endpoint’s address',
      input: Empty,
      output: z.object({
        keys: z.array(ApiKeyInfo),
        /** Base URL of the OpenAI-compatible API of the Warden server running for this home; null when none runs. */
        endpoint: z.string().nullable(),
      }),
      mutates: false,
    }),
    'apiKey.revoke': defineOperation({
      summary: 'Revoke an API key: requests with it are refused from now on',
      input: z.object({ name: ApiKeyName }),
      output: ApiKeyInfo,
      mutates: true,
    }),
  },
)
