import type { Persona } from '../../../shared/contract/inference'
import { WardenError } from '../../../shared/errors'
import { sendJson } from '../requests'
import type { OpenAiErrorDetails, V1Context } from './http'

function modelOf(p: Persona) {
  return { id: p.name, object: 'model' as const, created: Math.floor(p.createdAt / 1000), owned_by: 'warden', model: p.model }
}

/** `GET /v1/models`: the personas, by name. */
export function listModels(ctx: V1Context): void {
  sendJson(ctx.res, 200, { object: 'list', data: ctx.host.inference.personas.list().map(modelOf) })
}

/** `GET /v1/models/{id}`: one persona (the id percent-decoded, as clients encode it), or a 404 `model_not_found`. */
export function retrieveModel(ctx: V1Context): void {
  const encoded = ctx.url.pathname.slice('/v1/models/'.length)
  let id: string
  try {
    id = decodeURIComponent(encoded)
  } catch {
    throw new WardenError('INVALID_INPUT', `The model id in the path is not valid percent-encoding: ${encoded.slice(0, 200)}`, { details: { param: 'model' } satisfies OpenAiErrorDetails })
  }
  const persona = ctx.host.inference.personas.find(id)
  if (!persona) {
    throw new WardenError('NOT_FOUND', `The model ${JSON.stringify(id.slice(0, 200))} does not exist`, {
      hint: 'Models are personas: list them with GET /v1/models.',
      details: { param: 'model', openAiCode: 'model_not_found' } satisfies OpenAiErrorDetails,
    })
  }
  sendJson(ctx.res, 200, modelOf(persona))
}
