import { z } from 'zod'
import { ChatMessage, GenerationResult, GenerationSettings, GenerationSettingsChange, Persona, PersonaName, Priority } from '../inference'
import { looksLikeModelFile } from '../modelRef'
import { defineDomain, defineOperation } from '../operation'
import { commaList, commaNumbers } from './adapters'
import { Empty } from './common'

/** A persona's model is a path when it names a .gguf file rather than a model id or a URI. */
const modelFile = (input: Readonly<Record<string, unknown>>) => looksLikeModelFile(input.model)

/** Personas and their conversations; a chat runs on the running Warden's workers. */
export const personaOperations = defineDomain(
  { runsIn: 'app' },
  {
    'persona.list': defineOperation({
      summary: 'Personas with their model and settings',
      input: Empty,
      output: z.object({ personas: z.array(Persona) }),
      mutates: false,
    }),
    'persona.create': defineOperation({
      summary: 'Create a persona on a model (catalog id, installed id, .gguf path or URI)',
      input: z.object({
        name: PersonaName,
        model: z.string().trim().min(1, 'a model is required: a model id, a .gguf path or an hf: URI'),
        systemPrompt: z.string().max(20000).default('You are a helpful assistant.'),
        settings: GenerationSettings.partial().default({}),
      }),
      output: Persona,
      mutates: true,
      paths: { model: modelFile },
    }),
    'persona.update': defineOperation({
      summary: 'Change a persona’s name, model, system prompt, settings or genome (LoRA adapters)',
      input: z.object({
        name: PersonaName,
        newName: PersonaName.optional(),
        model: z.string().trim().min(1).optional(),
        systemPrompt: z.string().max(20000).optional(),
        settings: GenerationSettingsChange.optional(),
        /** The genome: adapters the persona always answers with (`--adapters a,b`), their scales (`--scales 1,0.5`), and the mode. */
        adapters: commaList('adapters', 16).optional(),
        scales: commaNumbers('scales').refine((t) => t.every((n) => n >= -4 && n <= 4), 'a scale is between -4 and 4').optional(),
        genome: z.enum(['none', 'fixed', 'auto']).optional(),
      }),
      output: Persona,
      mutates: true,
      cli: { command: ['persona', 'edit'], positional: ['name'] },
      paths: { model: modelFile },
    }),
    'persona.delete': defineOperation({
      summary: 'Delete a persona and its conversation',
      input: z.object({ name: PersonaName }),
      output: z.object({ name: z.string(), deleted: z.boolean() }),
      mutates: true,
      cli: { positional: ['name'] },
    }),
    'persona.history': defineOperation({
      summary: 'The conversation with a persona',
      input: z.object({ name: PersonaName }),
      output: z.object({ name: z.string(), messages: z.array(ChatMessage) }),
      mutates: false,
      cli: { positional: ['name'] },
    }),
    'persona.clear': defineOperation({
      summary: 'Forget the conversation with a persona',
      input: z.object({ name: PersonaName }),
      output: z.object({ name: z.string(), cleared: z.number() }),
      mutates: true,
      cli: { positional: ['name'] },
    }),
    'persona.chat': defineOperation({
      summary: 'Send a message to a persona; the answer streams as persona.token events',
      input: z.object({
        name: PersonaName,
        prompt: z.string().min(1, 'a message is required').max(100000),
        priority: Priority.default('realtime'),
        /** Answer without adding to the conversation. */
        stateless: z.boolean().default(false),
        timeoutMs: z.number().int().min(100).max(86_400_000, 'at most 24 hours (86400000 ms)').optional(),
      }),
      output: GenerationResult,
      mutates: true,
      cli: { positional: ['name', 'prompt'] },
    }),
  },
)
