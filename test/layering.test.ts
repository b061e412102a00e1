import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '..')

/** The layering messages ESLint gives `code` as if it were the file `file` of this repository. */
async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root })
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  return result.messages.filter((m) => m.ruleId === 'local/layering').map((m) => m.message)
}

/** One import of `source` in `file`, used so that no other rule complains. */
const importing = (source: string) => `import * as m from '${source}'\nexport const a = m\n`

describe('the folder import rule of DESIGN.md is enforced by lint', () => {
  it('keeps electron out of services, Node out of shared and the renderer, and main out of the renderer', async () => {
    expect(await lint('src/main/services/x/y.ts', "import { app } from 'electron'\nexport const a = app\n")).toEqual([expect.stringContaining('may not import electron')])
    expect(await lint('src/shared/y.ts', "import * as fs from 'node:fs'\nexport const a = fs\n")).toEqual([expect.stringContaining("may not import Node's node:fs")])
    expect(await lint('src/renderer/src/y.ts', "import { WardenHost } from '../../main/services/host/WardenHost'\nexport const a = WardenHost\n")).toEqual([
      expect.stringContaining('src/renderer may not import src/main/services'),
    ])
    expect(await lint('src/main/services/x/y.ts', "import { startServer } from '../../server/startServer'\nexport const a = startServer\n")).toEqual([
      expect.stringContaining('src/main/services may not import src/main/server'),
    ])
  })

  it('allows what the design allows', async () => {
    expect(await lint('src/main/electron/y.ts', "import { app } from 'electron'\nimport { WardenHost } from '../services/host/WardenHost'\nexport const a = [app, WardenHost]\n")).toEqual([])
    expect(await lint('src/renderer/src/y.ts', "import { operations } from '../../shared/contract/operations'\nexport const a = operations\n")).toEqual([])
  })
})

describe('each layer has an allow-list of packages', () => {
  it('src/shared imports zod and itself, nothing else', async () => {
    expect(await lint('src/shared/y.ts', importing('zod'))).toEqual([])
    expect(await lint('src/shared/y.ts', importing('./errors'))).toEqual([])
    expect(await lint('src/shared/y.ts', importing('tar'))).toEqual([expect.stringMatching(/src\/shared may not import tar, a Node-only package.*its packages: zod/)])
    expect(await lint('src/shared/y.ts', importing('react'))).toEqual([expect.stringContaining('src/shared may not import react')])
    expect(await lint('src/shared/y.ts', importing('../renderer/src/App'))).toEqual([expect.stringContaining('src/shared may not import src/renderer')])
  })

  it('the renderer imports react, react-dom, zustand and shared, never a Node built-in or a Node-only package', async () => {
    expect(await lint('src/renderer/src/y.tsx', importing('react-dom/client'))).toEqual([])
    expect(await lint('src/renderer/src/y.ts', importing('zustand/react/shallow'))).toEqual([])
    for (const pkg of ['better-sqlite3', 'node-llama-cpp', 'ws', 'pino', 'systeminformation', '@npmcli/arborist', 'commander']) {
      expect(await lint('src/renderer/src/y.ts', importing(pkg))).toEqual([expect.stringContaining(`src/renderer may not import ${pkg}, a Node-only package`)])
    }
    expect(await lint('src/renderer/src/y.ts', importing('path'))).toEqual([expect.stringContaining("may not import Node's path")])
    expect(await lint('src/renderer/src/y.ts', importing('zod'))).toEqual([expect.stringContaining('src/renderer may not import zod; its packages: react, react-dom, zustand')])
    expect(await lint('src/renderer/src/y.ts', importing('electron'))).toEqual([expect.stringContaining('may not import electron')])
  })

  it('the preload imports electron and shared, nothing else', async () => {
    expect(await lint('src/preload/y.ts', "import { contextBridge } from 'electron'\nimport { operationNames } from '../shared/contract/operations'\nexport const a = [contextBridge, operationNames]\n")).toEqual([])
    expect(await lint('src/preload/y.ts', importing('node:fs'))).toEqual([expect.stringContaining("src/preload may not import Node's node:fs")])
    expect(await lint('src/preload/y.ts', importing('zod'))).toEqual([expect.stringContaining('src/preload may not import zod; its packages: none')])
    expect(await lint('src/preload/y.ts', importing('../main/services/host/WardenHost'))).toEqual([expect.stringContaining('src/preload may not import src/main/services')])
  })

  it('the worker imports node-llama-cpp, Node, shared, its own files and the protocol types, nothing else', async () => {
    expect(await lint('src/main/worker/y.ts', importing('node-llama-cpp'))).toEqual([])
    expect(await lint('src/main/worker/y.ts', importing('node:os'))).toEqual([])
    expect(await lint('src/main/worker/y.ts', importing('./InferenceEngine'))).toEqual([])
    expect(await lint('src/main/worker/y.ts', "import type { ToWorker } from '../services/workers/protocol'\nexport type A = ToWorker\n")).toEqual([])
    expect(await lint('src/main/worker/y.ts', importing('../services/workers/WorkerProcess'))).toEqual([
      expect.stringContaining('src/main/worker may not import src/main/services (../services/workers/WorkerProcess); allowed: shared, worker, src/main/services/workers/protocol.ts'),
    ])
    expect(await lint('src/main/worker/y.ts', importing('better-sqlite3'))).toEqual([expect.stringContaining('src/main/worker may not import better-sqlite3; its packages: node-llama-cpp')])
    expect(await lint('src/main/worker/y.ts', importing('electron'))).toEqual([expect.stringContaining('may not import electron')])
  })

  it('electron only in src/main/electron and src/preload', async () => {
    for (const file of ['src/main/server/y.ts', 'src/main/cli/y.ts', 'src/main/worker/y.ts', 'src/shared/y.ts', 'e2e/y.ts', 'scripts/y.mjs']) {
      expect(await lint(file, importing('electron'))).toEqual([expect.stringContaining('may not import electron; only src/main/electron and src/preload may')])
    }
  })

  it('the Node layers have their own lists too: the CLI never imports node-llama-cpp itself', async () => {
    expect(await lint('src/main/cli/y.ts', importing('commander'))).toEqual([])
    expect(await lint('src/main/cli/y.ts', "type L = typeof import('node-llama-cpp')\nexport type A = L\n")).toEqual([expect.stringContaining('src/main/cli may not import node-llama-cpp')])
    expect(await lint('src/main/server/y.ts', importing('tar'))).toEqual([expect.stringContaining('src/main/server may not import tar')])
    expect(await lint('src/main/services/y.ts', importing('commander'))).toEqual([expect.stringContaining('src/main/services may not import commander')])
  })

  it('a package that package.json does not declare is refused everywhere', async () => {
    expect(await lint('src/main/services/y.ts', importing('left-pad'))).toEqual([expect.stringContaining('imports left-pad, which package.json does not declare')])
    expect(await lint('bench/y.ts', importing('left-pad'))).toEqual([expect.stringContaining('imports left-pad, which package.json does not declare')])
  })

  it('test files add the test packages and, in Node layers, the helpers of test/; code that ships does not', async () => {
    expect(await lint('src/renderer/src/y.test.ts', importing('vitest'))).toEqual([])
    expect(await lint('src/renderer/src/y.ts', importing('vitest'))).toEqual([expect.stringContaining('src/renderer may not import vitest')])
    expect(await lint('src/renderer/src/y.test.ts', importing('../../../test/fixtures'))).toEqual([expect.stringContaining('src/renderer may not import test')])
    expect(await lint('src/main/services/x/y.test.ts', importing('../../../../test/fixtures'))).toEqual([])
    expect(await lint('src/main/services/x/y.ts', importing('../../../../test/fixtures'))).toEqual([expect.stringContaining('src/main/services may not import test')])
  })
})

describe('no file is outside the rule', () => {
  it('files outside src/ are tooling: any declared package and the Node code, not the renderer, not electron', async () => {
    expect(await lint('bench/y.ts', importing('../src/main/services/host/WardenHost'))).toEqual([])
    expect(await lint('e2e/y.ts', importing('playwright-core'))).toEqual([])
    expect(await lint('electron.vite.config.ts', importing('electron-vite'))).toEqual([])
    expect(await lint('e2e/y.ts', importing('../src/renderer/src/App'))).toEqual([expect.stringContaining('e2e/ (tooling) may not import src/renderer')])
    expect(await lint('test/y.ts', importing('../src/preload/index'))).toEqual([expect.stringContaining('test/ (test-helpers) may not import src/preload')])
  })

  it('a file in an unknown folder, or an import of one, is an error', async () => {
    expect(await lint('src/main/newthing/y.ts', 'export const a = 1\n')).toEqual([expect.stringContaining('src/main/newthing/y.ts is in no layer')])
    expect(await lint('src/y.ts', 'export const a = 1\n')).toEqual([expect.stringContaining('src/y.ts is in no layer')])
    expect(await lint('tools/y.ts', 'export const a = 1\n')).toEqual([expect.stringContaining('tools/y.ts is in no layer')])
    expect(await lint('src/main/cli/y.ts', importing('../../../out/main/cli.js'))).toEqual([expect.stringContaining('out/main/cli.js is in no layer')])
  })

  it('every script file of the repository is linted with the rule and is in a layer', async () => {
    const eslint = new ESLint({ cwd: root })
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/.test(f))
    expect(files.length).toBeGreaterThan(100)
    const unchecked: string[] = []
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(path.join(root, file))) as { rules?: Record<string, unknown> } | undefined
      if ((await eslint.isPathIgnored(path.join(root, file))) || !config?.rules?.['local/layering']) unchecked.push(file)
    }
    expect(unchecked).toEqual([])
    // Each file's place, from its path alone: an empty module there reports nothing but "in no layer".
    const noLayer: string[] = []
    for (const file of files) noLayer.push(...(await lint(file, 'export {}\n')))
    expect(noLayer).toEqual([])
  })
})
