import type { LogEntry } from '../../shared/contract/logs'
import type { OperationName, OperationOutput } from '../../shared/contract/operations'
import type { CacheOverLimit } from '../../shared/contract/modelCache'
import { describeOverLimit } from '../../shared/modelCacheText'
import type { HibernatedVersion } from '../../shared/contract/schemas'
import { adapterUsageNote, crashRecoveryNote, formatAge, formatBytes, leftOutNote } from '../../shared/format'
import { healingFormatters } from './healingFormat'
import { healthFormatters } from './healthFormat'
import { supervisorFormatters } from './supervisorFormat'

type Formatter<K extends OperationName> = (out: OperationOutput<K>) => string
type Formatters = { [K in OperationName]?: Formatter<K> }

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([kind, n]) => `${n} ${kind}`)
    .join(', ')

function describeHibernated(m: HibernatedVersion, i: number, now: number): string {
  const lines = [`${i + 1}. ${m.name} (${m.type})${m.version ? ` v${m.version}` : ''}`]
  lines.push(`   Hibernated: ${formatAge(now - m.hibernatedAt)}  [--at ${m.hibernatedAt}]`)
  lines.push(`   Reason: ${m.reason}${m.error ? ` (${m.error.type})` : ''}`)
  lines.push(`   Size: ${formatBytes(m.size)} (${m.fileCount} files)`)
  lines.push(`   Usage: ${m.usage.totalCalls ? `${m.usage.avgCallsPerDay} calls/day, ${m.usage.totalCalls} total` : 'no calls recorded'}`)
  lines.push(`   Hibernated by: ${m.hibernatedBy}${m.hibernatedBy !== 'user' ? ' (automatic)' : ''}`)
  if (m.group) lines.push(`   Group: ${m.group.members.join(', ')} (wake together)`)
  if (m.location === 'hibernation') lines.push(willBeArchived(m.archivesInDays))
  lines.push(`   Restorable: ${m.restorable ? '✅' : `❌ ${m.problem}`}`)
  return lines.filter(Boolean).join('\n')
}

/** The seed's "Will be archived in N days", from the `archiveAfterDays` setting (0: never). */
function willBeArchived(days: number | null): string {
  if (days === null) return '   Archived automatically: never (archiveAfterDays is 0)'
  return days === 0 ? '   ⚠️  Will be archived today' : `   ⚠️  Will be archived in ${days} day${days === 1 ? '' : 's'}`
}

function overLimitLine(o: CacheOverLimit): string {
  const { title, message } = describeOverLimit(o)
  return `⚠️  ${title}: ${message}`
}

/** Human output per operation (the seed's reports); operations without one print JSON. */
export const formatters: Formatters = {
  ...healthFormatters,
  ...healingFormatters,
  ...supervisorFormatters,
  'app.info': (o) => Object.entries(o.versions).map(([k, v]) => `${k} ${v}`).concat(`home ${o.home}`).join('\n'),
  'workspace.get': (o) => (o ? `${o.path}\nkinds: ${o.kinds.join(', ')}` : 'No workspace open'),
  'workspace.createDemo': (o) => `✅ Demo workspace with ${o.modules} modules created at ${o.path}\n   Try: warden --workspace ${JSON.stringify(o.path)} module list`,
  'module.list': (o) =>
    o.kinds
      .map((k) => {
        const rows = k.modules.map((m) => {
          const deps = m.dependencies.length ? ` → ${m.dependencies.join(', ')}` : ''
          const dependents = m.dependents.length ? `  (used by ${m.dependents.join(', ')})` : ''
          return `  ${m.name}${m.version ? `@${m.version}` : ''}  ${formatBytes(m.size)}${deps}${dependents}`
        })
        return [`${k.kind} (${k.modules.length})`, ...rows].join('\n')
      })
      .join('\n\n'),
  'module.hibernate': (o) =>
    [
      ...o.hibernated.map((h) => `💤 Hibernated to: ${h.archivePath} (${formatBytes(h.size)}, ${h.fileCount} files)`),
      '📝 Metadata saved',
      `✅ ${o.hibernated.length === 1 ? 'Module' : `${o.hibernated.length} modules`} removed from active system`,
      `🔄 Structure files regenerated (${counts(o.activeCounts)} active)`,
      `♻️  Restorable with: ${o.restoreCommand}`,
      ...o.notes.map((n) => `⚠️  ${n}`),
    ].join('\n'),
  'module.listHibernated': (o) => {
    const now = Date.now()
    if (!o.modules.length) return '💤 No hibernated modules'
    return [`💤 Hibernated Modules (${o.modules.length}):`, '', o.modules.map((m, i) => describeHibernated(m, i, now)).join('\n\n')].join('\n')
  },
  'module.listArchived': (o) => {
    const now = Date.now()
    if (!o.modules.length) return '📦 The archive is empty'
    return [`📦 Archived Modules (${o.modules.length}, ${formatBytes(o.totalSize)}):`, '', o.modules.map((m, i) => describeHibernated(m, i, now)).join('\n\n')].join('\n')
  },
  'module.versions': (o) =>
    [
      `${o.name}: ${o.active ? `active at ${o.active.path}` : 'not active'}`,
      ...o.versions.map((v) => `  ${v.hibernatedAt}  ${new Date(v.hibernatedAt).toISOString()}  ${v.location}${v.wokenAt ? ' (woken)' : ''}  ${formatBytes(v.size)}  ${v.reason}  ${v.restorable ? '✅' : `❌ ${v.problem}`}`),
    ].join('\n'),
  'module.wake': (o) =>
    [
      ...o.woken.map((w) => `📦 Extracting: ${w.source}\n✅ Restored to: ${w.path} (${w.fileCount} files)`),
      `🔄 Structure files regenerated (${counts(o.activeCounts)} active)`,
      '🚀 Module ready to use!',
    ].join('\n'),
  'module.archive': (o) =>
    o.archived.length
      ? [
          `Moving to ${o.archiveDir}:`,
          ...o.archived.map((a) => `  - ${a.name} (${formatBytes(a.size)})`),
          '',
          `✅ Archived ${o.archived.length} module${o.archived.length === 1 ? '' : 's'}`,
          `💾 Total archive size: ${formatBytes(o.totalArchiveSize)}`,
          `♻️  Still restorable with: warden module wake --from-archive --name ${JSON.stringify(o.archived[0].name)}`,
        ].join('\n')
      : `Nothing to archive. 💾 Total archive size: ${formatBytes(o.totalArchiveSize)}`,
  'module.diff': (o) =>
    [
      `--- ${o.from}`,
      `+++ ${o.to}`,
      `${o.changes.filter((c) => c.status === 'added').length} added, ${o.changes.filter((c) => c.status === 'removed').length} removed, ${o.changes.filter((c) => c.status === 'changed').length} changed, ${o.unchanged} unchanged`,
      ...o.changes.map((c) => `\n${c.status.toUpperCase()} ${c.path}${c.binary ? ' (binary)' : ''}${c.patch ? `\n${c.patch}` : ''}`),
    ].join('\n'),
  'module.verify': (o) =>
    [
      ...o.repaired.map((r) => `🔧 ${r}`),
      ...o.problems.map((p) => `${p.severity === 'error' ? '❌' : '⚠️ '} ${p.subject}: ${p.message}`),
      `${o.ok ? '✅' : '❌'} Checked ${o.checked.archives} archives and ${o.checked.activeModules} active modules: ${o.problems.filter((p) => p.severity === 'error').length} error(s), ${o.problems.filter((p) => p.severity === 'warning').length} warning(s)`,
    ].join('\n'),
  'module.pack': (o) => [`📦 ${o.path}`, `   ${formatBytes(o.size)}, ${o.files.length} files, sha256 ${o.sha256}`, ...o.files.map((f) => `   ${f}`)].join('\n'),
  'module.recordUsage': (o) => `${o.name}: ${o.totalCalls} calls, ${o.avgCallsPerDay}/day`,
  'model.list': (o) => {
    const groups = [
      ['Installed', o.models.filter((m) => m.installed)],
      ['Recommended (installed on first use)', o.models.filter((m) => !m.installed && m.source === 'catalog')],
      ['Missing files', o.models.filter((m) => !m.installed && m.source !== 'catalog')],
    ] as const
    return [
      ...groups.filter(([, ms]) => ms.length).map(([title, ms]) => [`${title}:`, ...ms.map(describeModel)].join('\n')),
      [
        `Models folder: ${o.storagePath}${o.freeBytes !== null ? ` (${formatBytes(o.freeBytes)} free)` : ''}`,
        o.cache.limitBytes !== null ? `Downloaded models: ${formatBytes(o.cache.usedBytes)} of ${formatBytes(o.cache.limitBytes)} (maxModelCacheSize)` : '',
        o.cache.overLimit ? overLimitLine(o.cache.overLimit) : '',
      ]
        .filter(Boolean)
        .join('\n'),
    ].join('\n\n')
  },
  'model.install': (o) =>
    [
      `✅ ${o.name} installed: ${o.path} (${formatBytes(o.size ?? 0)})`,
      ...o.evicted.map((m) => `🗑️  Removed ${m.name} (${formatBytes(m.size)}): ${m.reason}`),
      o.cacheOverLimit ? overLimitLine(o.cacheOverLimit) : '',
    ]
      .filter(Boolean)
      .join('\n'),
  'model.inspect': (o) =>
    [
      `${o.model.name} (${o.model.id}): ${o.model.path}`,
      o.model.facts
        ? `  ${o.model.facts.architecture}, ${o.model.facts.parameters ? `${formatCount(o.model.facts.parameters)} parameters, ` : ''}${o.model.facts.layers} layers, ${o.model.facts.fileType ?? ''}, trained context ${o.model.facts.contextLength}, file ${formatBytes(o.model.size ?? 0)}`
        : '',
      `  With ${o.estimate.contextSize} tokens of context × ${o.estimate.sequences} sequence(s) and ${o.estimate.gpuLayers} layers on the GPU: ~${formatBytes(o.estimate.vramBytes)} VRAM + ~${formatBytes(o.estimate.ramBytes)} RAM`,
    ]
      .filter(Boolean)
      .join('\n'),
  'model.add': (o) => `✅ Added ${o.id}: ${o.path}${o.facts ? ` (${o.facts.architecture}, needs ~${formatBytes(o.facts.estimatedMemory)})` : ''}`,
  'model.remove': (o) => (o.deletedFile ? `🗑️  Removed ${o.id}: deleted ${o.deletedFile} (${formatBytes(o.freedBytes)} freed)` : `Removed ${o.id} from the list (its file was left where it is)`),
  'worker.list': (o) => {
    const now = Date.now()
    const runtime = o.runtime.bytes ? `   Runtime per worker: ${formatBytes(o.runtime.bytes)} (${o.runtime.measuredIn === 'default' ? 'not measured yet' : `measured in a ${o.runtime.measuredIn}`})` : ''
    const spares = o.spares.length
      ? `\nSpare workers: ${o.spares.map((s) => `${s.pid ?? '—'} ${s.state}${s.memoryBytes ? ` ${formatBytes(s.memoryBytes)}` : ''}`).join(', ')}`
      : ''
    const head = `Memory: ${formatBytes(o.budget.usedBytes)} of ${formatBytes(o.budget.totalBytes)} used — ${o.budget.description}\nQueue: ${o.queue.depth}/${o.queue.max}   Cores: ${o.cores}${runtime}${spares}`
    if (!o.workers.length) return `${head}\n\nNo workers running. A worker starts when a persona talks (warden persona chat NAME "…"), or with: warden worker load MODEL`
    const rows = o.workers.map((w) =>
      [
        w.modelId.padEnd(24),
        String(w.pid ?? '—').padStart(7),
        w.state.padEnd(11),
        `${formatBytes(w.memoryBytes)} ${w.device === 'gpu' ? 'VRAM' : 'RAM'}`.padStart(12),
        (w.estimateBytes ? formatBytes(w.estimateBytes) : '—').padStart(9),
        (w.measuredBytes !== null ? formatBytes(w.measuredBytes) : '—').padStart(9),
        (w.rssBytes ? formatBytes(w.rssBytes) : '—').padStart(9),
        String(w.threads).padStart(3),
        (w.tokensPerSecond !== null ? `${w.tokensPerSecond}` : '—').padStart(8),
        `${w.inFlight}+${w.queued}`.padStart(5),
        String(w.restarts).padStart(3),
        w.startedAt ? uptime(now - w.startedAt).padStart(7) : '      —',
        w.pinned ? ' 📌' : '',
        w.lastError && (w.state === 'quarantined' || w.state === 'restarting') ? `\n    ⚠️  ${w.lastError}` : '',
      ].join(' '),
    )
    return [head, '', `${'MODEL'.padEnd(24)} ${'PID'.padStart(7)} ${'STATE'.padEnd(11)} ${'COUNTED'.padStart(12)} ${'ESTIMATE'.padStart(9)} ${'MEASURED'.padStart(9)} ${'RSS'.padStart(9)} ${'THR'.padStart(3)} ${'TOK/S'.padStart(8)} ${'Q'.padStart(5)} ${'RST'.padStart(3)} ${'UPTIME'.padStart(7)}`, ...rows].join('\n')
  },
  'worker.load': (o) => `🟢 ${o.modelName} loaded in worker ${o.pid} (${formatBytes(o.memoryBytes)}, ${o.threads} threads)`,
  'worker.unload': (o) => (o.unloaded ? `Unloaded ${o.model}` : `${o.model} was not loaded`),
  'worker.restart': (o) => `🔄 ${o.modelName} restarted: worker ${o.pid}`,
  'worker.pin': (o) => (o.pinned ? `📌 ${o.modelName} pinned: it is never paged out` : `${o.modelName} unpinned`),
  'worker.kill': (o) => `💥 Killed worker ${o.pid} of ${o.model}; Warden restarts it`,
  'persona.list': (o) =>
    o.personas.length
      ? o.personas.map((p) => `  ${p.name.padEnd(20)} ${p.model.padEnd(30)} ${p.messages} messages  t=${p.settings.temperature} max=${p.settings.maxTokens}`).join('\n')
      : 'No personas yet. Create one: warden persona create --name NAME --model MODEL',
  'persona.create': (o) => `✅ Persona ${o.name} created on ${o.model}. Talk to it: warden persona chat ${JSON.stringify(o.name)} "Hello"`,
  'persona.update': (o) => `✅ Persona ${o.name} updated (model ${o.model})`,
  'persona.delete': (o) => `🗑️  Persona ${o.name} deleted`,
  'persona.history': (o) => (o.messages.length ? o.messages.map((m) => `${m.role === 'user' ? '> ' : ''}${m.text}`).join('\n\n') : `No conversation with ${o.name} yet`),
  'persona.clear': (o) => `Cleared ${o.cleared} messages of ${o.name}`,
  'persona.chat': (o) => `${o.text}\n${chatFooter(o)}`,
  'persona.checkpoint': (o) =>
    [`✅ Checkpoint ${o.id} of ${o.name}${o.label ? ` (${o.label})` : ''}: ${o.messages} messages${o.tokens !== null ? `, ${o.tokens} tokens of context` : ''}, ${formatBytes(o.bytes)}`, o.note ? `   ${o.note}` : '', `   Resume: warden persona resume ${JSON.stringify(o.name)} --checkpoint ${o.id}`].filter(Boolean).join('\n'),
  'persona.resume': (o) =>
    [`✅ ${o.name} resumed from ${o.checkpoint.id}${o.checkpoint.label ? ` (${o.checkpoint.label})` : ''}: ${o.messages} messages${o.stateLoaded ? `, ${o.tokens} tokens of context loaded (the next turn evaluates only its new tokens)` : ''}`, o.note ? `   ${o.note}` : ''].filter(Boolean).join('\n'),
  'persona.checkpoints': (o) =>
    o.checkpoints.length
      ? o.checkpoints
          .map((c) => `${c.id}  ${new Date(c.createdAt).toISOString().replace('T', ' ').slice(0, 19)}  ${c.label ?? '-'}  ${c.messages} messages  ${c.tokens !== null ? `${c.tokens} tokens` : 'conversation only'}  ${formatBytes(c.bytes)}  ${c.modelId}`)
          .join('\n')
      : `${o.name} has no checkpoints. Make one: warden persona checkpoint ${JSON.stringify(o.name)}`,
  'persona.checkpointExport': (o) => `✅ Checkpoint ${o.id} of ${o.name} written to ${o.file} (${formatBytes(o.bytes)})`,
  'persona.checkpointImport': (o) => `✅ Checkpoint ${o.id} added to ${o.name}'s (${o.messages} messages${o.tokens !== null ? `, ${o.tokens} tokens` : ''}). Resume it: warden persona resume ${JSON.stringify(o.name)} --checkpoint ${o.id}`,
  'persona.checkpointRemove': (o) => `🗑️  Checkpoint ${o.id} of ${o.name} removed`,
  'adapter.add': (o) => `✅ Adapter ${o.name} added (${formatBytes(o.size)}, rank ${o.facts.rank}, ${o.facts.targets} weights${o.baseModel ? `, fits ${o.baseModel}` : ', base model not checked: add it with --base MODEL to check'})`,
  'adapter.list': (o) =>
    [
      o.adapters.length
        ? o.adapters
            .map((a) => `  ${a.name.padEnd(20)} ${(a.baseModel ?? '—').padEnd(24)} r${String(a.facts.rank).padEnd(4)} ${formatBytes(a.size).padStart(9)}  ${adapterUsageNote(a.usage).padEnd(34)} ${a.description}${a.tags.length ? ` [${a.tags.join(', ')}]` : ''}`)
            .join('\n')
        : `No adapters yet (${o.dir}). Add one: warden adapter add FILE.gguf --name NAME --description "what it does" --base MODEL`,
      ...o.problems.map((p) => `⚠️  ${p}`),
    ].join('\n'),
  'adapter.inspect': (o) =>
    [
      `${o.name}: ${o.description || '(no description)'}${o.tags.length ? ` [${o.tags.join(', ')}]` : ''}`,
      `  Base model: ${o.baseModel ?? 'not given'}`,
      `  LoRA: ${o.facts.architecture}, rank ${o.facts.rank}, alpha ${o.facts.alpha ?? '—'}, ${o.facts.targets} weights over ${o.facts.layersSpanned} layers`,
      `  File: ${o.path} (${formatBytes(o.size)})`,
      `  sha256: ${o.sha256} ${o.intact ? '✅' : `❌ ${o.problem}`}`,
    ].join('\n'),
  'adapter.remove': (o) => `🗑️  Adapter ${o.name} removed (${formatBytes(o.freedBytes)} freed)`,
  'adapter.search': (o) =>
    o.results.length
      ? [`Similarity to the text (embedded with ${o.embeddingModel}):`, ...o.results.map((r) => `  ${r.similarity.toFixed(3)}  ${r.name.padEnd(20)} ${(r.baseModel ?? '—').padEnd(24)} ${r.description}`)].join('\n')
      : 'No adapters to search. Add one: warden adapter add FILE.gguf --name NAME --description "what it does"',
  'embedding.create': (o) => `${JSON.stringify(o.vector)}\n— ${o.dimensions} dimensions · ${o.tokens} tokens · ${o.model}`,
  'apiKey.create': (o) =>
    [
      `🔑 API key ${JSON.stringify(o.name)} created:`,
      '',
      `   ${o.key}`,
      '',
      'Copy it now: Warden keeps only its hash and cannot show it again.',
      'It reaches the OpenAI-compatible API (/v1) only: send it as the API key (Authorization: Bearer <key>).',
      `Revoke it with: warden api-key revoke --name ${JSON.stringify(o.name)}`,
    ].join('\n'),
  'apiKey.list': (o) => {
    const now = Date.now()
    const endpoint = o.endpoint ? `OpenAI-compatible API: ${o.endpoint}` : 'OpenAI-compatible API: not served now (start it with: warden serve)'
    if (!o.keys.length) return `${endpoint}\n\nNo API keys yet. Create one for a tool: warden api-key create --name NAME`
    const rows = o.keys.map((k) => `  ${k.name.padEnd(24)} ${`${k.prefix}…`.padEnd(16)} created ${formatAge(now - k.createdAt).padEnd(16)} ${k.lastUsedAt ? `used ${formatAge(now - k.lastUsedAt)}` : 'never used'}`)
    return [endpoint, '', ...rows].join('\n')
  },
  'apiKey.revoke': (o) => `🚫 Revoked ${JSON.stringify(o.name)} (${o.prefix}…): requests with it are refused from now on`,
  'config.get': (o) => o.settings.map((r) => `${r.key.padEnd(26)} ${JSON.stringify(r.value).padEnd(12)} ${r.isDefault ? '' : `(default ${JSON.stringify(r.default)}) `}${r.description}`).join('\n'),
  'config.set': (o) => `${o.key} = ${JSON.stringify(o.value)}`,
  'logs.read': (o) =>
    o.entries.length || o.streamed
      ? o.entries.map(formatLogEntry).join('\n')
      : 'No log entries. Warden logs to $WARDEN_HOME/logs; a worker’s output is in its model’s log (--worker MODEL).',
  'doctor.run': (o) =>
    [
      o.workspace ? `🩺 Indexed ${o.indexed} archives; removed ${o.removedStale} stale index rows` : '🩺 No workspace open: its archives were not indexed',
      ...o.problems.map((p) => `${p.severity === 'error' ? '❌' : '⚠️ '} ${p.subject}: ${p.message}`),
      `🧬 Indexed ${o.adapters.indexed} adapter${o.adapters.indexed === 1 ? '' : 's'}${o.adapters.added.length ? `; newly indexed: ${o.adapters.added.join(', ')}` : ''}${o.adapters.removed.length ? `; gone from the folder: ${o.adapters.removed.join(', ')}` : ''}`,
      ...o.adapters.problems.map((p) => `⚠️  ${p}`),
    ].join('\n'),
}

function describeModel(m: OperationOutput<'model.list'>['models'][number]): string {
  const facts = m.facts
    ? [m.facts.architecture, m.facts.parameters ? `${formatCount(m.facts.parameters)} params` : null, m.facts.fileType, m.facts.contextLength ? `ctx ${m.facts.contextLength}` : null, `needs ~${formatBytes(m.facts.estimatedMemory)}`]
    : m.catalog
      ? [m.catalog.parameters, m.catalog.quantization, `ctx ${m.catalog.contextLength}`, `needs ~${formatBytes(m.catalog.minMemory)}`]
      : []
  const state = m.installing
    ? `⬇️  ${m.installing.percent ?? 0}%`
    : m.loaded
      ? '🟢 loaded'
      : m.installed
        ? '✅ installed'
        : '☁️  not installed'
  return `  ${m.id.padEnd(28)} ${state.padEnd(16)} ${m.size !== null ? formatBytes(m.size).padStart(9) : ''}  ${facts.filter(Boolean).join(', ')}`
}

function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`
  return String(n)
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** "Genome: poet + coder (0.83, pinned)": the adapters an answer used and their similarity to the prompt. */
export function genomeNote(g: OperationOutput<'persona.chat'>['genome']): string | null {
  if (!g) return null
  if (!g.adapters.length) return 'Genome: none (no adapter close enough)'
  const why = g.adapters.map((a) => `${a.pinned ? 'pinned' : a.score!.toFixed(2)}${a.scale !== 1 ? ` ×${a.scale}` : ''}`)
  return `Genome: ${g.adapters.map((a) => a.name).join(' + ')} (${why.join(', ')})`
}

/** The line under a streamed answer. */
export function chatFooter(r: OperationOutput<'persona.chat'>): string {
  const notes = [
    `${r.tokens} tokens`,
    r.tokensPerSecond !== null ? `${r.tokensPerSecond} tok/s` : null,
    `${(r.durationMs / 1000).toFixed(2)} s`,
    r.installed ? 'installed the model' : null,
    r.loaded ? 'loaded the model' : null,
    r.evicted.length ? `paged out ${r.evicted.join(', ')}` : null,
    r.finishReason === 'length' ? 'stopped at maxTokens' : r.finishReason === 'cancelled' ? 'cancelled' : null,
    leftOutNote(r.leftOutMessages),
    r.crashRecovery ? crashRecoveryNote(r.crashRecovery) : null,
    genomeNote(r.genome),
  ]
  return `— ${notes.filter(Boolean).join(' · ')}`
}

/** The line printed under text an operation streamed (instead of its formatted result). */
export const streamedFooters: Formatters = { 'persona.chat': chatFooter }

/** Operations whose result can say "not OK" (exit code 1) without an error. */
export function exitCodeOf(name: OperationName, out: unknown): number {
  if (name === 'module.verify' && !(out as OperationOutput<'module.verify'>).ok) return 1
  if (name === 'module.check' && (out as OperationOutput<'module.check'>).results.some((r) => !r.ok)) return 1
  return 0
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** Local time to the millisecond: `2025-01-31 12:00:05.123`. */
function logTime(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`
}

/** One log entry as a line (time, level, source, message), its error's stack indented below. */
export function formatLogEntry(e: LogEntry): string {
  const source = `${e.source}${e.component ? `/${e.component}` : ''}${e.model ? ` ${e.model}` : ''}${e.pid !== undefined ? `[${e.pid}]` : ''}`
  const head = `${logTime(e.time)} ${e.level.toUpperCase().padEnd(5)} ${source}  ${e.msg.replace(/\n/g, '\n    ')}`
  return e.error ? `${head}\n    ${e.error.replace(/\n/g, '\n    ')}` : head
}
