import type { CacheOverLimit } from './contract/modelCache'
import { formatBytes } from './format'

/**
 * "Downloaded models take 1.5 MB, more than the 1.0 MB of maxModelCacheSize" / "bravo is pinned, so
 * it stays. …": one wording for the alert, the CLI and the Models page.
 */
export function describeOverLimit(o: CacheOverLimit): { title: string; message: string } {
  const kept = o.kept.map((k) => `${k.name} is ${k.reason}`).join(', ')
  return {
    title: `Downloaded models take ${formatBytes(o.usedBytes)}, more than the ${formatBytes(o.limitBytes)} of maxModelCacheSize`,
    message: `${kept ? `${kept}, so ${o.kept.length === 1 ? 'it stays' : 'they stay'}. ` : ''}Unpin or unload models, or raise the limit.`,
  }
}
