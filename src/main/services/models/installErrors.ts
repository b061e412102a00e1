/**
 * Errors of a model install that a person can act on: what node-llama-cpp and ipull throw, turned
 * into a WardenError naming the model, the server's answer and what to do.
 */
import { WardenError } from '../../../shared/errors'

export const RETRY_HINT = 'Check the network connection and install again; the download resumes where it stopped.'

export function cancelled(uri: string): WardenError {
  return new WardenError('CANCELLED', `Install of ${uri} was cancelled`, { hint: 'Install again to resume where it stopped.' })
}

/** Turns what node-llama-cpp/ipull throw into a WardenError that names the model and what to do. */
export function describeFailure(error: unknown, uri: string, fileName: string): WardenError {
  if (error instanceof WardenError) return error
  const e = (error ?? {}) as { statusCode?: unknown; statusText?: unknown; url?: unknown; code?: unknown }
  if (typeof e.statusCode === 'number') {
    const where = typeof e.url === 'string' ? e.url : uri
    const status = `HTTP ${e.statusCode}${typeof e.statusText === 'string' && e.statusText ? ` ${e.statusText}` : ''}`
    if (e.statusCode === 404 || e.statusCode === 410)
      return new WardenError('NOT_FOUND', `Model file ${fileName} not found at ${where} (${status})`, {
        hint: 'Check the URL or hf: URI (user, repository and file name).',
        cause: error,
      })
    if (e.statusCode === 401 || e.statusCode === 403)
      return new WardenError('DOWNLOAD_FAILED', `Access to ${where} was refused (${status})`, {
        hint: 'The model may be gated or private: accept its terms on Hugging Face and set an access token (HF_TOKEN).',
        cause: error,
      })
    return new WardenError('DOWNLOAD_FAILED', `Downloading ${fileName} from ${where} failed (${status})`, { hint: RETRY_HINT, cause: error })
  }
  if (e.code === 'ENOSPC')
    return new WardenError('NO_SPACE', `The disk filled up while downloading ${fileName}`, { hint: 'Free some disk space and install again; the download resumes.', cause: error })
  const text = errorText(error)
  if (/does not exist/i.test(text)) return new WardenError('NOT_FOUND', `Model ${uri} not found: ${text}`, { hint: 'Check the hf: URI (user, repository, quantization).', cause: error })
  if (/^Invalid (Hugging Face URI|URL)/i.test(text)) return new WardenError('INVALID_INPUT', text, { hint: 'Give an hf:user/repo/file.gguf URI or an https:// link.', cause: error })
  return new WardenError('DOWNLOAD_FAILED', `Downloading ${fileName} from ${uri} failed: ${text}`, { hint: RETRY_HINT, cause: error })
}

/** "terminated (other side closed)": the message with its causes. */
export function errorText(error: unknown): string {
  const parts: string[] = []
  let e: unknown = error
  for (let i = 0; i < 4 && e != null; i++) {
    const message = e instanceof Error ? e.message : String(e)
    if (message && !parts.includes(message)) parts.push(message)
    e = e instanceof Error ? e.cause : null
  }
  return parts.length ? parts[0] + (parts.length > 1 ? ` (${parts.slice(1).join('; ')})` : '') : 'unknown error'
}

/** 60000 → "60 s", 1500 → "1.5 s". */
export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

/** Sizes in messages, always with one decimal ("2.0 MB"). */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`
}
