/**
 * Recommended models: small instruct GGUFs that run on a laptop. Sizes are those of the listed
 * quantization (the download's own length is what is checked); `minMemory` is what it needs loaded
 * with a 4k context.
 */
export interface CatalogModel {
  id: string
  name: string
  uri: string
  fileName: string
  /** Approximate download size in bytes. */
  size: number
  parameters: string
  quantization: string
  contextLength: number
  minMemory: number
  license: string
  description: string
}

const GB = 1e9

export const catalog: CatalogModel[] = [
  {
    id: 'qwen2.5-0.5b-instruct',
    name: 'Qwen2.5 0.5B Instruct',
    uri: 'hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-0.5b-instruct-q4_k_m.gguf',
    size: 0.49 * GB,
    parameters: '0.5B',
    quantization: 'Q4_K_M',
    contextLength: 32768,
    minMemory: 0.9 * GB,
    license: 'Apache-2.0',
    description: 'Tiny and fast; good for routing, summaries and tests on any machine.',
  },
  {
    id: 'smollm2-360m-instruct',
    name: 'SmolLM2 360M Instruct',
    uri: 'hf:HuggingFaceTB/SmolLM2-360M-Instruct-GGUF/smollm2-360m-instruct-q8_0.gguf',
    fileName: 'smollm2-360m-instruct-q8_0.gguf',
    size: 0.39 * GB,
    parameters: '360M',
    quantization: 'Q8_0',
    contextLength: 8192,
    minMemory: 0.8 * GB,
    license: 'Apache-2.0',
    description: 'Smallest useful chat model; CPU friendly.',
  },
  {
    id: 'llama-3.2-1b-instruct',
    name: 'Llama 3.2 1B Instruct',
    uri: 'hf:bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    fileName: 'Llama-3.2-1B-Instruct-Q4_K_M.gguf',
    size: 0.81 * GB,
    parameters: '1.2B',
    quantization: 'Q4_K_M',
    contextLength: 131072,
    minMemory: 1.4 * GB,
    license: 'Llama 3.2 Community',
    description: 'Small general assistant with a long context.',
  },
  {
    id: 'qwen2.5-1.5b-instruct',
    name: 'Qwen2.5 1.5B Instruct',
    uri: 'hf:Qwen/Qwen2.5-1.5B-Instruct-GGUF/qwen2.5-1.5b-instruct-q4_k_m.gguf',
    fileName: 'qwen2.5-1.5b-instruct-q4_k_m.gguf',
    size: 1.12 * GB,
    parameters: '1.5B',
    quantization: 'Q4_K_M',
    contextLength: 32768,
    minMemory: 1.8 * GB,
    license: 'Apache-2.0',
    description: 'Strong for its size at code and structured output.',
  },
  {
    id: 'gemma-2-2b-it',
    name: 'Gemma 2 2B Instruct',
    uri: 'hf:bartowski/gemma-2-2b-it-GGUF/gemma-2-2b-it-Q4_K_M.gguf',
    fileName: 'gemma-2-2b-it-Q4_K_M.gguf',
    size: 1.71 * GB,
    parameters: '2.6B',
    quantization: 'Q4_K_M',
    contextLength: 8192,
    minMemory: 2.6 * GB,
    license: 'Gemma',
    description: 'Friendly conversational style.',
  },
  {
    id: 'llama-3.2-3b-instruct',
    name: 'Llama 3.2 3B Instruct',
    uri: 'hf:bartowski/Llama-3.2-3B-Instruct-GGUF/Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    fileName: 'Llama-3.2-3B-Instruct-Q4_K_M.gguf',
    size: 2.02 * GB,
    parameters: '3.2B',
    quantization: 'Q4_K_M',
    contextLength: 131072,
    minMemory: 2.9 * GB,
    license: 'Llama 3.2 Community',
    description: 'The seed’s default persona model (llama3.2:3b).',
  },
  {
    id: 'phi-3.5-mini-instruct',
    name: 'Phi-3.5 mini Instruct',
    uri: 'hf:bartowski/Phi-3.5-mini-instruct-GGUF/Phi-3.5-mini-instruct-Q4_K_M.gguf',
    fileName: 'Phi-3.5-mini-instruct-Q4_K_M.gguf',
    size: 2.39 * GB,
    parameters: '3.8B',
    quantization: 'Q4_K_M',
    contextLength: 131072,
    minMemory: 3.5 * GB,
    license: 'MIT',
    description: 'Reasoning and code in under 4 GB.',
  },
]
