// The import rule of DESIGN.md, checked on every import: which folder may import which, and who may
// use electron or Node's built-ins. Like VS Code's local/code-layering.
import { builtinModules } from 'node:module'
import * as path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/** Layers, most specific first. `may` lists the layers a file may import; `node` whether node:* is allowed. */
const layers = [
  { name: 'shared', dir: 'src/shared', may: ['shared'], node: false, electron: false },
  { name: 'services', dir: 'src/main/services', may: ['shared', 'services'], node: true, electron: false },
  { name: 'worker', dir: 'src/main/worker', may: ['shared', 'services', 'worker'], node: true, electron: false },
  { name: 'server', dir: 'src/main/server', may: ['shared', 'services', 'server'], node: true, electron: false },
  { name: 'cli', dir: 'src/main/cli', may: ['shared', 'services', 'server', 'cli'], node: true, electron: false },
  { name: 'electron', dir: 'src/main/electron', may: ['shared', 'services', 'server', 'worker', 'electron'], node: true, electron: true },
  { name: 'preload', dir: 'src/preload', may: ['shared', 'preload'], node: false, electron: true },
  { name: 'renderer', dir: 'src/renderer', may: ['shared', 'renderer'], node: false, electron: false },
]

function layerOf(file) {
  const rel = path.relative(root, file).split(path.sep).join('/')
  return layers.find((l) => rel === l.dir || rel.startsWith(l.dir + '/')) ?? null
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])

export default {
  rules: {
    layering: {
      meta: { type: 'problem', docs: { description: 'Enforce the folder import rule of DESIGN.md' }, schema: [] },
      create(context) {
        const from = layerOf(context.filename)
        if (!from) return {}
        function check(node, source) {
          if (typeof source !== 'string') return
          // Type-only imports carry no runtime code but still couple layers; they follow the same rule.
          if (source.startsWith('.')) {
            const to = layerOf(path.resolve(path.dirname(context.filename), source))
            if (to && !from.may.includes(to.name)) {
              context.report({ node, message: `${from.dir} may not import ${to.dir} (${source}); allowed: ${from.may.join(', ')}` })
            }
            return
          }
          if (source === 'electron' && !from.electron) {
            context.report({ node, message: `${from.dir} may not import electron; only src/main/electron and src/preload may` })
          } else if (builtins.has(source) && !from.node) {
            context.report({ node, message: `${from.dir} may not import Node's ${source}; it must run in a browser (or the sandboxed preload)` })
          }
        }
        return {
          ImportDeclaration: (node) => check(node, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
          ExportAllDeclaration: (node) => check(node, node.source.value),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
          CallExpression: (node) => {
            if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value)
          },
        }
      },
    },
  },
}
