import { z } from 'zod'
import { defineDomain, defineOperation } from '../operation'
import { Empty, FsPath } from './common'

const AdapterName = z.string().trim().min(1, 'an adapter name is required').max(64, 'an adapter name is at most 64 characters')

/** A list, or one comma-separated text (`--tags poetry,verse`): trimmed, without empties or repeats. */
export const commaList = (what: string, max = 50) =>
  z
    .union([z.string().max(5000), z.array(z.string().max(100)).max(max)])
    .transform((t) => [...new Set((Array.isArray(t) ? t : [t]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))])
    .refine((t) => t.length <= max, `at most ${max} ${what}`)
    .refine((t) => t.every((s) => s.length <= 100), `each of the ${what} is at most 100 characters`)

const Tags = commaList('tags')

/** Numbers as a list, or one comma-separated text (`--scales 1,0.5`). */
export const commaNumbers = (what: string, max = 16) =>
  z
    .union([z.string().max(1000), z.array(z.number()).max(max)])
    .transform((t, ctx) => {
      const parts = Array.isArray(t) ? t : t.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(s) ? Number(s) : Number.NaN))
      if (parts.some((n) => !Number.isFinite(n))) {
        ctx.addIssue({ code: 'custom', message: `${what} are numbers separated by commas, e.g. 1,0.5` })
        return z.NEVER
      }
      return parts
    })
    .refine((t) => t.length <= max, `at most ${max} ${what}`)

export const Adapter = z.object({
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  baseModel: z.string().nullable(),
  sha256: z.string(),
  size: z.number(),
  addedAt: z.number(),
  path: z.string(),
  facts: z.object({ architecture: z.string(), alpha: z.number().nullable(), rank: z.number(), targets: z.number(), layersSpanned: z.number() }),
})
export type Adapter = z.infer<typeof Adapter>

/** How much an adapter was used: generations answered with it in their genome, and the last one's time (null: never). */
export const AdapterUsage = z.object({ generations: z.number(), lastUsedAt: z.number().nullable() })

const Text = z.string().min(1, 'a text is required').max(100_000, 'a text is at most 100,000 characters')

/** LoRA adapters (`$WARDEN_HOME/adapters`), and embeddings of texts, to find adapters by what they do. */
export const adapterOperations = defineDomain(
  { runsIn: 'app' },
  {
    'adapter.add': defineOperation({
      summary: 'Copy a LoRA adapter (.gguf) into Warden, checked to be whole and, with --base, to fit that model',
      input: z.object({
        path: FsPath('a LoRA adapter .gguf file path is required'),
        name: AdapterName,
        description: z.string().max(5000, 'a description is at most 5,000 characters').default(''),
        tags: Tags.default([]),
        /** The model it was trained on (a model id): its tensors are checked against the adapter's. */
        base: z.string().trim().min(1).max(500).optional(),
      }),
      output: Adapter,
      mutates: true,
      cli: { positional: ['path'] },
      paths: { path: true },
    }),
    'adapter.list': defineOperation({
      summary: 'The adapters, with their base model, description and tags',
      input: Empty,
      output: z.object({ adapters: z.array(Adapter.extend({ usage: AdapterUsage })), problems: z.array(z.string()), dir: z.string() }),
      mutates: false,
    }),
    'adapter.inspect': defineOperation({
      summary: 'One adapter’s record and GGUF facts, its file checked against the recorded checksum',
      input: z.object({ name: AdapterName }),
      output: Adapter.extend({ intact: z.boolean(), problem: z.string().nullable() }),
      mutates: false,
      cli: { positional: ['name'] },
    }),
    'adapter.remove': defineOperation({
      summary: 'Delete an adapter’s file and record',
      input: z.object({ name: AdapterName }),
      output: z.object({ name: z.string(), removed: z.boolean(), freedBytes: z.number() }),
      mutates: true,
      cli: { positional: ['name'] },
    }),
    'adapter.search': defineOperation({
      summary: 'Adapters ranked by how close their description is to a text (cosine similarity of embeddings)',
      input: z.object({
        text: Text,
        /** Only adapters added for this base model. */
        model: z.string().trim().min(1).max(500).optional(),
        /** The embedding model; defaults to the embeddingModel setting. */
        embeddingModel: z.string().trim().min(1).max(500).optional(),
      }),
      output: z.object({
        embeddingModel: z.string(),
        results: z.array(z.object({ name: z.string(), similarity: z.number(), baseModel: z.string().nullable(), description: z.string() })),
      }),
      mutates: false,
      cli: { positional: ['text'] },
    }),
    'embedding.create': defineOperation({
      summary: 'The embedding vector of a text from a model (an installed model id or a persona)',
      input: z.object({ model: z.string().trim().min(1, 'say which model embeds: --model ID').max(500), text: Text }),
      output: z.object({ model: z.string(), dimensions: z.number(), tokens: z.number(), vector: z.array(z.number()) }),
      mutates: false,
      cli: { command: ['embed'], positional: ['text'] },
    }),
  },
)
