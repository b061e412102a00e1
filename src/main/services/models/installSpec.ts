/** What an install asks for, checked before anything touches the network or the disk. */
import { WardenError } from '../../../shared/errors'
import { TEMP_MARKER } from '../fs/atomic'

export interface InstallSpec {
  /** `hf:user/repo/file.gguf` (or `hf:user/repo:quant`) or an http(s) URL. */
  uri: string
  /** Name of the final file in the models folder; default: the URL's last segment, or node-llama-cpp's name for `hf:` URIs. */
  fileName?: string
  /** Expected sha256 (hex) of the whole file. */
  sha256?: string
  /** Expected size in bytes. */
  size?: number
}

/** A checked InstallSpec: a file name when one is known (given, or the URL's last segment), a lower-case sha256. */
export interface NormalizedSpec {
  uri: string
  fileName: string | null
  sha256: string | null
  size: number | null
  isHf: boolean
}

const HF_PREFIX = /^(hf:|hf:\/\/|huggingface:|huggingface:\/\/|hf\.co\/|huggingface\.co\/)/i

export function normalizeSpec(spec: InstallSpec): NormalizedSpec {
  const uri = typeof spec?.uri === 'string' ? spec.uri.trim() : ''
  const isHf = HF_PREFIX.test(uri)
  let url: URL | null = null
  if (!isHf) {
    try {
      url = new URL(uri)
    } catch {
      url = null
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new WardenError('INVALID_INPUT', `Cannot download ${JSON.stringify(uri)}: not an hf: URI or an http(s) URL`, {
        hint: 'Give an hf:user/repo/file.gguf URI or an https:// link to a .gguf file.',
      })
  }
  let fileName = spec.fileName ?? null
  if (fileName != null) checkFileName(fileName, `fileName ${JSON.stringify(fileName)}`)
  else if (url) {
    let last = ''
    try {
      last = decodeURIComponent(url.pathname.split('/').pop() ?? '')
    } catch {
      last = ''
    }
    checkFileName(last, `the file name ${JSON.stringify(last)} taken from ${uri}`)
    fileName = last
  }
  let sha256: string | null = null
  if (spec.sha256 != null) {
    if (!/^[0-9a-f]{64}$/i.test(spec.sha256)) throw new WardenError('INVALID_INPUT', `sha256 ${JSON.stringify(spec.sha256)} is not 64 hex digits`)
    sha256 = spec.sha256.toLowerCase()
  }
  if (spec.size != null && !(Number.isSafeInteger(spec.size) && spec.size > 0)) throw new WardenError('INVALID_INPUT', `size ${String(spec.size)} is not a positive whole number of bytes`)
  return { uri, fileName, sha256, size: spec.size ?? null, isHf }
}

function checkFileName(name: string, what: string): void {
  const bad =
    name === '' ||
    name.startsWith('.') ||
    name.endsWith('.') ||
    name.endsWith(' ') ||
    name.includes(TEMP_MARKER) ||
    Buffer.byteLength(name) > 200 ||
    // eslint-disable-next-line no-control-regex
    /[/\\<>:"|?*\u0000-\u001f\u007f]/.test(name)
  if (bad) throw new WardenError('INVALID_INPUT', `${what} cannot be used as a file name in the models folder`, { hint: 'Give a plain file name such as model.Q4_K_M.gguf.' })
}
