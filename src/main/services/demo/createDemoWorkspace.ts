import * as fsp from 'node:fs/promises'
import * as path from 'node:path'
import { WardenError } from '../../../shared/errors'

interface DemoModule {
  kind: 'commands' | 'daemons' | 'widgets'
  name: string
  description: string
  deps?: string[]
}

/** A small but real system: daemons at the bottom, commands on them, widgets on top. */
const DEMO_MODULES: DemoModule[] = [
  { kind: 'daemons', name: 'data-daemon', description: 'Stores records in memory and answers queries' },
  { kind: 'daemons', name: 'user-daemon', description: 'Knows the users and their sessions', deps: ['data-daemon'] },
  { kind: 'daemons', name: 'event-daemon', description: 'Publishes events to subscribers' },
  { kind: 'daemons', name: 'scheduler-daemon', description: 'Runs jobs on a timer', deps: ['event-daemon'] },
  { kind: 'daemons', name: 'metrics-daemon', description: 'Counts calls and latencies', deps: ['event-daemon'] },
  { kind: 'daemons', name: '@demo/cache-daemon', description: 'A scoped package: an LRU cache in front of data-daemon', deps: ['data-daemon'] },
  { kind: 'commands', name: 'hello', description: 'Says hello' },
  { kind: 'commands', name: 'chat-send', description: 'Sends a chat message', deps: ['user-daemon', 'data-daemon'] },
  { kind: 'commands', name: 'chat-history', description: 'Lists recent messages', deps: ['data-daemon'] },
  { kind: 'commands', name: 'notification-command', description: 'Notifies users of new messages', deps: ['chat-send', 'event-daemon'] },
  { kind: 'commands', name: 'user-list', description: 'Lists users', deps: ['user-daemon'] },
  { kind: 'commands', name: 'schedule-job', description: 'Schedules a job', deps: ['scheduler-daemon'] },
  { kind: 'commands', name: 'metrics-report', description: 'Prints a metrics report', deps: ['metrics-daemon'] },
  { kind: 'commands', name: 'old-feature', description: 'A deprecated command nobody calls any more' },
  { kind: 'commands', name: 'résumé export', description: 'Exports a résumé (a name with a space and unicode)', deps: ['user-daemon'] },
  { kind: 'widgets', name: 'chat-widget', description: 'The chat panel', deps: ['chat-send', 'chat-history'] },
  { kind: 'widgets', name: 'user-badge', description: 'Shows who is signed in', deps: ['user-list'] },
  { kind: 'widgets', name: 'metrics-chart', description: 'Charts call counts', deps: ['metrics-report'] },
  { kind: 'widgets', name: 'experimental-ui', description: 'An experiment: try it, hibernate it, wake it' },
  { kind: 'widgets', name: 'clock-widget', description: 'Shows the time' },
]

function files(m: DemoModule): Record<string, string> {
  const deps = m.deps ?? []
  const ident = m.name.replace(/[^\w]+/g, '_')
  const pkg = {
    name: m.name,
    version: '1.0.0',
    description: m.description,
    main: 'index.js',
    type: 'commonjs',
    scripts: { test: 'node --test test/' },
    dependencies: Object.fromEntries(deps.map((d) => [d, '^1.0.0'])),
    warden: { kind: m.kind },
    license: 'MIT',
  }
  return {
    'package.json': JSON.stringify(pkg, null, 2) + '\n',
    'index.js': `'use strict'
// ${m.description}.
${deps.map((d, i) => `// depends on ${d} (dependency ${i + 1} of ${deps.length})`).join('\n')}
function ${ident}(input) {
  return { module: ${JSON.stringify(m.name)}, ok: true, input: input ?? null, at: Date.now() }
}
module.exports = { ${ident}, name: ${JSON.stringify(m.name)}, dependencies: ${JSON.stringify(deps)} }
`,
    'README.md': `# ${m.name}\n\n${m.description}.\n\n${deps.length ? `Depends on: ${deps.join(', ')}.\n` : 'No dependencies.\n'}`,
    'test/index.test.js': `'use strict'
const test = require('node:test')
const assert = require('node:assert')
const m = require('..')
test(${JSON.stringify(`${m.name} answers`)}, () => {
  assert.equal(m.${ident}('ping').ok, true)
})
`,
    '.npmignore': 'test/\n',
  }
}

/**
 * Create a demo workspace: about 20 small modules in commands/, daemons/ and widgets/, each a real
 * npm package (package.json, sources, README, tests), some depending on others. Refuses a folder
 * that already has content, so nothing of the person's is overwritten.
 */
export async function createDemoWorkspace(folder: string): Promise<{ root: string; modules: number }> {
  const root = path.resolve(folder)
  let existing: string[] = []
  try {
    existing = await fsp.readdir(root)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTDIR') {
      throw new WardenError('INVALID_INPUT', `path: ${root} is not a folder (it, or a folder above it, is a file)`, { hint: 'Choose a new or empty folder, e.g. ~/warden-demo.' })
    }
    // A folder that does not exist yet is made below; anything else is the path's problem.
    if (code !== 'ENOENT') throw WardenError.from(error)
  }
  if (existing.length > 0) {
    throw new WardenError('CONFLICT', `${root} is not empty; the demo goes into a new or empty folder`, { hint: 'Choose another folder, e.g. ~/warden-demo.' })
  }
  for (const m of DEMO_MODULES) {
    const dir = path.join(root, m.kind, ...m.name.split('/'))
    for (const [rel, content] of Object.entries(files(m))) {
      await fsp.mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
      await fsp.writeFile(path.join(dir, rel), content)
    }
  }
  await fsp.chmod(path.join(root, 'commands', 'hello', 'index.js'), 0o755)
  await fsp.writeFile(path.join(root, 'README.md'), '# Warden demo workspace\n\nModules live in commands/, daemons/ and widgets/. Open this folder in Warden.\n')
  return { root, modules: DEMO_MODULES.length }
}
