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

/** Freeze a persona now (conversation, settings and context state). */
export async function checkpointPersona(name: string): Promise<boolean> {
  const out = await runOperation('persona.checkpoint', { name }, { label: `Saving a checkpoint of ${name}` })
  if (out.ok) toastSuccess(`Checkpoint of ${name} saved`, out.value.note ?? `${out.value.messages} messages, ${out.value.tokens ?? 0} tokens of context`)
  return out.ok
}

/** Resume a persona from one of its checkpoints: its conversation comes back as it was then. */
export async function resumePersona(name: string, checkpoint: string): Promise<boolean> {
  const out = await runOperation('persona.resume', { name, checkpoint }, { label: `Resuming ${name}` })
  if (out.ok) {
    toastSuccess(`${name} resumed`, out.value.note ?? `${out.value.messages} messages; the next reply evaluates only its new tokens`)
    await useChatStore.getState().load(name, true)
    await usePersonasStore.getState().refresh()
  }
  return out.ok
}

/** Remove one of a persona's checkpoints. */
export async function removeCheckpoint(name: string, id: string): Promise<boolean> {
  const out = await runOperation('persona.checkpointRemove', { name, id }, { label: `Removing checkpoint ${id}` })
  return out.ok
}
