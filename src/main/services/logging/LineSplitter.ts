/** A line longer than this is cut (a process printing megabytes without a newline stays bounded). */
const MAX_LINE = 8192

import { printable } from '../../../shared/text/printable'

/**
 * Turns a process's output, which arrives in chunks cut anywhere, into whole lines without
 * terminal colours (llama.cpp and node-llama-cpp colour what they print when they can).
 */
export class LineSplitter {
  private partial = ''

  /** The lines completed by `chunk`. */
  push(chunk: string): string[] {
    const text = this.partial + chunk
    const parts = text.split(/\r?\n/)
    this.partial = parts.pop() ?? ''
    const lines = parts.flatMap(cut)
    while (this.partial.length > MAX_LINE) {
      lines.push(clean(this.partial.slice(0, MAX_LINE)))
      this.partial = this.partial.slice(MAX_LINE)
    }
    return lines.filter((l) => l.trim() !== '')
  }

  /** What is left without a final newline (at exit). */
  flush(): string[] {
    const rest = this.partial
    this.partial = ''
    return rest.trim() ? cut(rest) : []
  }
}

function clean(line: string): string {
  return printable(line).trimEnd()
}

function cut(line: string): string[] {
  const out: string[] = []
  for (let i = 0; i < line.length; i += MAX_LINE) out.push(clean(line.slice(i, i + MAX_LINE)))
  return out.length ? out : ['']
}
