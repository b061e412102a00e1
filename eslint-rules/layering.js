// The import rule of DESIGN.md, checked on every import of every linted file: which folder may
// import which, and which packages each may use. Like VS Code's local/code-layering, with an
// allow-list of packages per layer so that a Node-only or native package cannot creep into code that
// runs in a browser, and a package reaches a layer only by a deliberate edit of this file.
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import * as path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

/** Packages a test file (`*.test.ts[x]`) may use in any layer, beside its layer's own. */
const testPackages = ['vitest', 'fast-check', 'openai']

/** Node-only (built-in, native or server) packages, named in the error when browser code reaches for one. */
const nodeOnly = ['better-sqlite3', 'node-llama-cpp', 'tar', 'ws', 'pino', 'systeminformation', 'proper-lockfile', '@npmcli/*', 'npm-packlist', 'commander']

/**
 * The layers, each a set of folders (relative to the repository root; `.` holds only the files at
 * the root itself, not its subfolders).
 * - `may`: the layers it may import (relative imports); `files`: single files of other layers it may import.
 * - `packages`: the packages it may import (`@scope/*` for a whole scope); `true` for any package in package.json.
 * - `node`: whether Node's built-ins are allowed; `electron`: whether the electron package is.
 * - `testsMay`: further layers a test file of the layer may import (test helpers).
 */
const layers = [
  { name: 'shared', dirs: ['src/shared'], may: ['shared'], packages: ['zod'], node: false, electron: false },
  { name: 'renderer', dirs: ['src/renderer'], may: ['shared', 'renderer'], packages: ['react', 'react-dom', 'zustand', 'recharts'], node: false, electron: false },
  { name: 'preload', dirs: ['src/preload'], may: ['shared', 'preload'], packages: [], node: false, electron: true },
  {
    name: 'worker',
    dirs: ['src/main/worker'],
    may: ['shared', 'worker'],
    // The message types it speaks with the main process, and nothing else of the services.
    files: ['src/main/services/workers/protocol.ts'],
    packages: ['node-llama-cpp'],
    node: true,
    electron: false,
    testsMay: ['test-helpers'],
  },
  {
    name: 'services',
    dirs: ['src/main/services'],
    may: ['shared', 'services'],
    packages: ['zod', 'better-sqlite3', 'node-llama-cpp', 'tar', 'diff', 'npm-packlist', '@npmcli/*', 'proper-lockfile', 'systeminformation', 'pino', 'prom-client'],
    node: true,
    electron: false,
    testsMay: ['test-helpers'],
  },
  { name: 'server', dirs: ['src/main/server'], may: ['shared', 'services', 'server'], packages: ['zod', 'ws'], node: true, electron: false, testsMay: ['test-helpers'] },
  { name: 'cli', dirs: ['src/main/cli'], may: ['shared', 'services', 'server', 'cli'], packages: ['zod', 'ws', 'commander'], node: true, electron: false, testsMay: ['test-helpers'] },
  { name: 'electron', dirs: ['src/main/electron'], may: ['shared', 'services', 'server', 'electron'], packages: [], node: true, electron: true, testsMay: ['test-helpers'] },
  // Node code around the app: tests, benchmarks, scripts, build and lint configuration. It may use any
  // declared package and the app's Node code, but not the browser's (renderer) or electron's.
  { name: 'test-helpers', dirs: ['test'], may: ['shared', 'services', 'worker', 'server', 'cli', 'test-helpers'], packages: true, node: true, electron: false },
  {
    name: 'tooling',
    dirs: ['.', 'bench', 'bin', 'e2e', 'eslint-rules', 'scripts'],
    may: ['shared', 'services', 'worker', 'server', 'cli', 'test-helpers', 'tooling'],
    packages: true,
    node: true,
    electron: false,
  },
]

function relative(file) {
  return path.relative(root, file).split(path.sep).join('/')
}

/** The layer of a file (absolute path) and the folder of that layer it is in, or null. The deepest folder wins. */
export function placeOf(file) {
  const rel = relative(file)
  const dir = path.posix.dirname(rel)
  let best = null
  for (const layer of layers) {
    for (const d of layer.dirs) {
      const inside = d === '.' ? dir === '.' : rel.startsWith(d + '/')
      if (inside && (!best || d.length > best.dir.length)) best = { layer, dir: d === '.' ? 'the root' : d }
    }
  }
  return best
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)])

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})])

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(source) {
  const parts = source.split('/')
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

function matches(list, name) {
  return list.some((p) => (p.endsWith('/*') ? name.startsWith(p.slice(0, -1)) : p === name))
}

const isTest = (file) => /\.test\.tsx?$/.test(file)

export default {
  rules: {
    layering: {
      meta: { type: 'problem', docs: { description: 'Enforce the folder import rule of DESIGN.md and the packages each layer may use' }, schema: [] },
      create(context) {
        const file = context.filename
        const place = placeOf(file)
        if (!place) {
          return {
            Program: (node) =>
              context.report({
                node,
                message: `${relative(file)} is in no layer of eslint-rules/layering.js: move it into a layer's folder (src/shared, src/main/services, …) or add its folder as a layer there`,
              }),
          }
        }
        const from = place.layer
        const name = from.name === 'tooling' || from.name === 'test-helpers' ? `${place.dir}/ (${from.name})` : place.dir
        const test = isTest(file)
        const may = test ? [...from.may, ...(from.testsMay ?? [])] : from.may
        const packages = from.packages === true || !test ? from.packages : [...from.packages, ...testPackages]

        function checkRelative(node, source) {
          const target = path.resolve(path.dirname(file), source.replace(/\?.*$/, ''))
          const to = placeOf(target)
          if (!to) {
            context.report({ node, message: `${name} may not import ${source}: ${relative(target)} is in no layer of eslint-rules/layering.js` })
            return
          }
          if (may.includes(to.layer.name)) return
          const targetRel = relative(target).replace(/\.(ts|tsx|js|mjs)$/, '')
          if ((from.files ?? []).some((f) => f.replace(/\.(ts|tsx|js|mjs)$/, '') === targetRel)) return
          const allowed = [...may, ...(from.files ?? [])].join(', ')
          context.report({ node, message: `${name} may not import ${to.dir} (${source}); allowed: ${allowed}` })
        }

        function checkPackage(node, source) {
          if (builtins.has(source)) {
            if (!from.node) context.report({ node, message: `${name} may not import Node's ${source}; it must run in a browser (or the sandboxed preload)` })
            return
          }
          if (source === 'electron') {
            if (!from.electron) context.report({ node, message: `${name} may not import electron; only src/main/electron and src/preload may` })
            return
          }
          const pkg = packageName(source)
          if (!declared.has(pkg)) {
            context.report({ node, message: `${name} imports ${pkg}, which package.json does not declare: add it to dependencies (or devDependencies for tooling)` })
            return
          }
          if (packages === true || matches(packages, pkg)) return
          const why = matches(nodeOnly, pkg) && !from.node ? `, a Node-only package: ${name} must run in a browser (or the sandboxed preload)` : ''
          context.report({
            node,
            message: `${name} may not import ${pkg}${why}; its packages: ${packages.join(', ') || 'none'}${test ? '' : ' (edit the allow-list in eslint-rules/layering.js to add one)'}`,
          })
        }

        function check(node, source) {
          if (typeof source !== 'string') return
          // Type-only imports carry no runtime code but still couple layers; they follow the same rule.
          if (source.startsWith('.') || source.startsWith('/')) checkRelative(node, source)
          else checkPackage(node, source)
        }
        return {
          ImportDeclaration: (node) => check(node, node.source.value),
          ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
          ExportAllDeclaration: (node) => check(node, node.source.value),
          ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
          // `typeof import('x')` and `import('x').T` in types, `import x = require('x')`.
          TSImportType: (node) => check(node, node.source?.value),
          TSExternalModuleReference: (node) => node.expression.type === 'Literal' && check(node, node.expression.value),
          CallExpression: (node) => {
            if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value)
          },
        }
      },
    },
  },
}
