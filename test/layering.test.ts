import * as path from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '..')

async function lint(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root })
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) })
  return result.messages.filter((m) => m.ruleId === 'local/layering').map((m) => m.message)
}

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
