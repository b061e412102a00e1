import { formatBytes } from '../../../shared/format'
import { readFileBase64 } from '../lib/readFileBase64'
import { useModulesStore } from '../stores/modulesStore'
import { toastSuccess, useToastStore } from '../stores/toastStore'
import { runOperation, type Outcome } from './runOperation'

type Woken = Array<{ name: string; path: string; fileCount: number }>

function refresh(): void {
  void useModulesStore.getState().refresh()
}

function announceWoken(woken: Woken): void {
  const names = woken.map((w) => w.name).join(', ')
  const files = woken.reduce((n, w) => n + w.fileCount, 0)
  toastSuccess(`Woke ${names}`, `${woken.map((w) => w.path).join(', ')} · ${files} files restored`)
}

/** Hibernate one module, or it and everything that depends on it. HAS_DEPENDENTS comes back to the caller. */
export async function hibernateModule(name: string, reason: string, withDependents: boolean): Promise<Outcome<unknown>> {
  const out = await runOperation('module.hibernate', { name, reason, withDependents }, { label: `Hibernating ${name}`, expected: ['HAS_DEPENDENTS'] })
  if (out.ok) {
    const size = out.value.hibernated.reduce((n, h) => n + h.size, 0)
    const names = out.value.hibernated.map((h) => h.name)
    toastSuccess(names.length > 1 ? `Hibernated ${names.length} modules` : `Hibernated ${name}`, `${names.length > 1 ? names.join(', ') + ' · ' : ''}${formatBytes(size)} archived, restorable any time`)
    for (const note of out.value.notes) useToastStore.getState().push({ kind: 'info', title: 'Worth knowing', message: note })
    refresh()
  }
  return out
}

/** Wake a hibernated module: its newest version, or the one hibernated `at`; archived ones with `fromArchive`. */
export async function wakeModule(name: string, options: { at?: number; fromArchive?: boolean } = {}): Promise<boolean> {
  const out = await runOperation('module.wake', { name, at: options.at, fromArchive: options.fromArchive ?? false }, { label: `Waking ${name}` })
  if (out.ok) {
    announceWoken(out.value.woken)
    refresh()
  }
  return out.ok
}

/** A file dropped on the window: a module archive (.tgz) to wake. */
export async function wakeFromFile(file: File): Promise<boolean> {
  if (!/\.(tgz|tar\.gz)$/i.test(file.name)) {
    useToastStore.getState().push({
      kind: 'error',
      title: `${file.name} is not a module archive`,
      message: 'Only .tgz files can be woken.',
      hint: 'Drop a hibernation archive or an `npm pack` tarball (.tgz).',
    })
    return false
  }
  let dataBase64: string
  try {
    dataBase64 = await readFileBase64(file)
  } catch (error) {
    useToastStore.getState().push({ kind: 'error', title: `Cannot read ${file.name}`, message: String(error), hint: 'Check that the file still exists and can be read.' })
    return false
  }
  const out = await runOperation('module.wakeUpload', { fileName: file.name, dataBase64 }, { label: `Waking ${file.name}` })
  if (out.ok) {
    announceWoken(out.value.woken)
    refresh()
  }
  return out.ok
}

/** Move hibernations older than `days` to the long-term archive. */
export async function archiveOlderThan(days: number): Promise<boolean> {
  const out = await runOperation('module.archive', { olderThan: days }, { label: `Archiving hibernations older than ${days} days` })
  if (out.ok) {
    const n = out.value.archived.length
    toastSuccess(n === 0 ? 'Nothing to archive' : `Archived ${n} hibernation${n === 1 ? '' : 's'}`, n === 0 ? `No hibernation is older than ${days} days.` : `Moved to ${out.value.archiveDir}`)
    refresh()
  }
  return out.ok
}

/** Check every archive's checksum and the index; resolves to whether anything needs attention. */
export async function verifyArchives(): Promise<boolean> {
  const out = await runOperation('module.verify', {}, { label: 'Verifying archives' })
  if (!out.ok) return false
  const { ok, checked, problems } = out.value
  const summary = `${checked.archives} archives, ${checked.activeModules} active modules checked`
  if (ok && problems.length === 0) toastSuccess('Everything verifies', summary)
  else {
    useToastStore.getState().push({
      kind: ok ? 'info' : 'error',
      title: `${problems.length} problem${problems.length === 1 ? '' : 's'} found`,
      message: problems.slice(0, 3).map((p) => `${p.subject}: ${p.message}`).join('\n'),
      hint: 'Repair finishes or undoes interrupted work and rebuilds the index; damaged archives stay as they are for you to inspect.',
    })
  }
  return problems.length > 0
}

/** Finish or undo interrupted work, remove leftovers, and rebuild the index from the files (`verify --repair` + `doctor`). */
export async function repairWorkspace(): Promise<void> {
  const repaired = await runOperation('module.verify', { repair: true }, { label: 'Repairing' })
  if (!repaired.ok) return
  const rebuilt = await runOperation('doctor.run', {}, { label: 'Rebuilding the index' })
  if (!rebuilt.ok) return
  const errors = rebuilt.value.problems.filter((p) => p.severity === 'error')
  if (errors.length === 0) toastSuccess('Workspace repaired', `${repaired.value.repaired.length} fix(es); ${rebuilt.value.indexed} archives indexed`)
  else {
    useToastStore.getState().push({
      kind: 'error',
      title: `${errors.length} problem${errors.length === 1 ? '' : 's'} remain`,
      message: errors.slice(0, 3).map((p) => `${p.subject}: ${p.message}`).join('\n'),
      hint: 'A damaged archive cannot be repaired; wake another version from the module’s details.',
    })
  }
  refresh()
}
