/** Tiny LoRA adapter files for tests (src/main/services/models/tinyLora.ts), as a generation's adapter reference. */
import { writeTinyLora, type TinyLoraOptions } from '../src/main/services/models/tinyGguf'
import type { AdapterRef } from '../src/main/services/workers/protocol'

/** Write a tiny adapter to `file` and return its reference at `scale` (path, scale, sha256). */
export async function writeTinyAdapter(file: string, opts: TinyLoraOptions = {}, scale = 1): Promise<AdapterRef> {
  const written = await writeTinyLora(file, opts)
  return { path: written.path, scale, sha256: written.sha256 }
}
