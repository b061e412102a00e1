import type { OperationInput } from '../../../shared/contract/operations'
import { useChatStore } from '../stores/chatStore'
import { usePersonasStore } from '../stores/personasStore'
import { toastError, toastSuccess } from '../stores/toastStore'
import { runOperation, type Outcome } from './runOperation'
import type { Persona } from '../lib/types'

/** Errors the persona form shows beside its fields instead of in a toast. */
const FORM_ERRORS = ['INVALID_INPUT', 'CONFLICT', 'NOT_FOUND'] as const

/** Create a persona and open it. */
export async function createPersona(input: OperationInput<'persona.create'>): Promise<Outcome<Persona>> {
  const out = await runOperation('persona.create', input, { label: `Creating ${input.name}`, expected: [...FORM_ERRORS] })
  if (out.ok) {
    toastSuccess(`Created ${out.value.name}`, `On ${out.value.model}`)
    usePersonasStore.getState().select(out.value.name)
    await usePersonasStore.getState().refresh()
  }
  return out
}

/** Change a persona; a new name carries its open conversation along. */
export async function updatePersona(input: OperationInput<'persona.update'>): Promise<Outcome<Persona>> {
  const out = await runOperation('persona.update', input, { label: `Saving ${input.name}`, expected: [...FORM_ERRORS] })
  if (out.ok) {
    if (out.value.name !== input.name) {
      useChatStore.getState().rename(input.name, out.value.name)
      if (usePersonasStore.getState().selected === input.name) usePersonasStore.getState().select(out.value.name)
    }
    toastSuccess(`Saved ${out.value.name}`)
    await usePersonasStore.getState().refresh()
  }
  return out
}

/** Delete a persona and its conversation. */
export async function deletePersona(name: string): Promise<boolean> {
  const out = await runOperation('persona.delete', { name }, { label: `Deleting ${name}` })
  if (out.ok) {
    useChatStore.getState().forget(name)
    toastSuccess(`Deleted ${name}`, 'Its conversation is gone too.')
    await usePersonasStore.getState().refresh()
  }
  return out.ok
}

/** Forget the conversation with a persona. */
export async function clearConversation(name: string): Promise<boolean> {
  const error = await useChatStore.getState().clear(name)
  if (error) toastError(error, `Clearing the conversation with ${name} failed`)
  else void usePersonasStore.getState().refresh()
  return error === null
}
