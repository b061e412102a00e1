/** Number formats the inference pages need beyond shared/format.ts. */

/** A running time, short: 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—'
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`
  const h = Math.floor(m / 60)
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`
  const d = Math.floor(h / 24)
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`
}

/** A parameter count: 494032768 → "494M", 1543714304 → "1.5B", 4600000 → "4.6M". */
export function formatParameters(count: number): string {
  if (!Number.isFinite(count) || count < 0) return '?'
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ]
  for (const [size, unit] of units) {
    if (count >= size) {
      const v = count / size
      return `${v >= 10 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, '')}${unit}`
    }
  }
  return String(Math.round(count))
}

/** Tokens per second: "1,240 tok/s", "8.5 tok/s". */
export function formatRate(tokensPerSecond: number | null): string {
  if (tokensPerSecond === null || !Number.isFinite(tokensPerSecond)) return '—'
  return `${tokensPerSecond >= 100 ? Math.round(tokensPerSecond).toLocaleString('en-US') : tokensPerSecond.toFixed(1)} tok/s`
}

/** A context length in tokens: 32768 → "32K", 2048 → "2K", 1000 → "1,000". */
export function formatTokens(tokens: number): string {
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}K`
  return tokens.toLocaleString('en-US')
}

/** "1 message", "3 messages". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`
}
