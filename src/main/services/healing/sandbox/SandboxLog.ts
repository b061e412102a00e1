/**
 * The sandbox log a person reads beside a patch: short lines, and each run's output in a section.
 * Bounded: each run's output is cut to its beginning and end, the whole log to LOG_CHARS.
 */
const SECTION_CHARS = 12_000
const LOG_CHARS = 40_000

export class SandboxLog {
  private readonly parts: string[] = []

  line(text: string): void {
    this.parts.push(text)
  }

  section(title: string, summary: string, output: string): void {
    const body = output.trim() ? `\n${indent(cut(output.trim(), SECTION_CHARS))}` : ''
    this.parts.push(`== ${title}\n${summary}${body}`)
  }

  text(): string {
    return cut(this.parts.join('\n\n'), LOG_CHARS)
  }
}

function cut(text: string, limit: number): string {
  if (text.length <= limit) return text
  const half = Math.floor(limit / 2)
  return `${text.slice(0, half)}\n[… ${text.length - 2 * half} characters left out …]\n${text.slice(-half)}`
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ')
}
