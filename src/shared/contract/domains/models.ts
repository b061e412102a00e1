import { z } from 'zod'
import { ModelInfo } from '../inference'
import { defineDomain, defineOperation } from '../operation'
import { Empty, FsPath } from './common'
import { ModelCacheState, ModelInstallResult } from '../modelCache'

/** Model files: the catalog, downloads and local files (the running Warden's installs and loaded models). */
export const modelOperations = defineDomain(
  { runsIn: 'app' },
  {
    'model.list': defineOperation({
      summary: 'Recommended models (catalog), installed models and local files, with facts from each GGUF',
      input: Empty,
      output: z.object({ models: z.array(ModelInfo), storagePath: z.string(), freeBytes: z.number().nullable(), cache: ModelCacheState }),
      mutates: false,
    }),
    'model.install': defineOperation({
      summary: 'Download a model (catalog id, hf: URI or URL) with progress; resumes an interrupted download',
      input: z.object({
        uri: z.string().trim().min(1, 'say which model: a catalog id, an hf: URI or an http(s) URL'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'sha256 is 64 hex digits').optional(),
      }),
      output: ModelInstallResult,
      mutates: true,
      cli: { positional: ['uri'] },
    }),
    'model.inspect': defineOperation({
      summary: 'A model’s facts from its GGUF header, and the memory it needs for a context size and GPU offload',
      input: z.object({
        id: z.string().min(1, 'a model id is required'),
        contextSize: z.number().int().min(128).max(1_048_576).default(1024),
        gpuLayers: z.number().int().min(0).max(1000).default(0),
        sequences: z.number().int().min(1).max(64).default(1),
      }),
      output: z.object({
        model: ModelInfo,
        estimate: z.object({ vramBytes: z.number(), ramBytes: z.number(), gpuLayers: z.number(), contextSize: z.number(), sequences: z.number() }),
      }),
      mutates: false,
      cli: { positional: ['id'] },
    }),
    'model.add': defineOperation({
      summary: 'Add a local .gguf file as a model (it stays where it is)',
      input: z.object({ path: FsPath('a .gguf file path is required') }),
      output: ModelInfo,
      mutates: true,
      cli: { positional: ['path'] },
      paths: { path: true },
    }),
    'model.remove': defineOperation({
      summary: 'Remove a model: unload it, delete a downloaded file, or forget a local file (never deleted)',
      input: z.object({ id: z.string().min(1, 'a model id is required') }),
      output: z.object({ id: z.string(), deletedFile: z.string().nullable(), freedBytes: z.number() }),
      mutates: true,
      cli: { positional: ['id'] },
    }),
  },
)
