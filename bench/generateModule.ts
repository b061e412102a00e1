import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

const WORDS = 'const let function return module export import async await if else for while class extends new this value data user chat send daemon widget command error result'.split(' ')

/** Source-like text: words, punctuation and indentation, seeded so runs are comparable. */
function sourceText(bytes: number, seed: number): string {
  let s = seed
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  let out = ''
  while (out.length < bytes) {
    const indent = '  '.repeat(Math.floor(next() * 4))
    const n = 3 + Math.floor(next() * 8)
    const words: string[] = []
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(next() * WORDS.length)] + (next() < 0.2 ? String(Math.floor(next() * 1000)) : ''))
    out += `${indent}${words.join(' ')};\n`
  }
  return out.slice(0, bytes)
}

/**
 * A module of about `totalBytes` in `files` files: mostly source-like text in nested folders, with a
 * tenth of the bytes in already-compressed binaries (images, fonts), like a real package.
 */
export function generateModule(dir: string, name: string, files: number, totalBytes: number): void {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'src/index.js' }, null, 2))
  const binaryFiles = Math.max(1, Math.floor(files / 50))
  const textBytes = Math.floor((totalBytes * 0.9) / (files - binaryFiles))
  const binBytes = Math.floor((totalBytes * 0.1) / binaryFiles)
  for (let i = 0; i < files - 1; i++) {
    const isBinary = i < binaryFiles
    const rel = isBinary ? `assets/img-${i}.bin` : `src/group-${Math.floor(i / 100)}/sub-${Math.floor(i / 20) % 5}/file-${i}.js`
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), isBinary ? randomBytes(binBytes) : sourceText(textBytes, i + 1))
  }
}
