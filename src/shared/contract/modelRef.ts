/** What a persona's `model` (or `warden model install`) names, told apart by its text alone. */

/** An `hf:` URI or an http(s) URL: a model downloaded on first use. */
export function isModelUri(ref: string): boolean {
  return /^(hf:|https?:\/\/)/i.test(ref)
}

/** A .gguf file (a path with a slash, or a name ending in .gguf) rather than a model id or a URI. */
export function looksLikeModelFile(ref: unknown): ref is string {
  return typeof ref === 'string' && !isModelUri(ref) && (/[\\/]/.test(ref) || ref.toLowerCase().endsWith('.gguf'))
}
