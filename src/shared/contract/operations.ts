import type { z } from 'zod'
import { composeDomains } from './operation'
import { adapterOperations } from './domains/adapters'
import { apiKeyOperations } from './domains/apiKeys'
import { appOperations } from './domains/app'
import { callOperations } from './domains/calls'
import { checkpointOperations } from './domains/checkpoints'
import { healingOperations, supervisorOperations } from './domains/healing'
import { healthOperations } from './domains/health'
import { configOperations } from './domains/config'
import { modelOperations } from './domains/models'
import { moduleOperations } from './domains/modules'
import { personaOperations } from './domains/personas'
import { workerOperations } from './domains/workers'
import { logOperations } from './logs'

/**
 * Every operation Warden offers, once, domain by domain (`domains/`); adapters (IPC,
 * HTTP/WebSocket, CLI) are generated from this. A new domain is one file there, imported and listed here.
 */
export const operations = composeDomains(
  appOperations,
  moduleOperations,
  callOperations,
  modelOperations,
  workerOperations,
  personaOperations,
  checkpointOperations,
  adapterOperations,
  healthOperations,
  healingOperations,
  supervisorOperations,
  configOperations,
  apiKeyOperations,
  logOperations,
)

export type Operations = typeof operations
export type OperationName = keyof Operations
export type OperationInput<K extends OperationName> = z.input<Operations[K]['input']>
export type OperationParsedInput<K extends OperationName> = z.output<Operations[K]['input']>
export type OperationOutput<K extends OperationName> = z.output<Operations[K]['output']>

export const operationNames = Object.keys(operations) as OperationName[]

export function isOperationName(name: unknown): name is OperationName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(operations, name)
}
