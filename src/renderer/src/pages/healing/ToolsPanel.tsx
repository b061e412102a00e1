import { useEffect, useState } from 'react'
import { runOperation } from '../../actions/runOperation'
import { ProgressBar } from '../../components/ProgressBar'
import { useModulesStore } from '../../stores/modulesStore'
import { usePersonasStore } from '../../stores/personasStore'
import { toastSuccess } from '../../stores/toastStore'
import { useHealingStore } from './healingStore'

/** The workspace's active modules and the personas, offered as the fields' suggestions (fetched once if no page has yet). */
function useSuggestions(): { modules: string[]; personas: string[] } {
  const modulesLoaded = useModulesStore((s) => s.loaded)
  const groups = useModulesStore((s) => s.groups)
  const personasLoaded = usePersonasStore((s) => s.loaded)
  const personaList = usePersonasStore((s) => s.personas)
  useEffect(() => {
    if (!modulesLoaded) void useModulesStore.getState().refresh()
    if (!personasLoaded) void usePersonasStore.getState().refresh()
  }, [modulesLoaded, personasLoaded])
  return { modules: groups.flatMap((g) => g.modules.map((m) => m.name)).sort(), personas: personaList.map((p) => p.name) }
}

/** "Evaluate a patch" (a module and a unified diff → the sandbox) and "Draft a fix" (a persona proposes one). */
export function ToolsPanel() {
  const [module, setModule] = useState('')
  const [diff, setDiff] = useState('')
  const [fixModule, setFixModule] = useState('')
  const [persona, setPersona] = useState('')
  const [busy, setBusy] = useState<'evaluate' | 'draft' | null>(null)
  const suggestions = useSuggestions()
  const evaluate = async () => {
    setBusy('evaluate')
    const out = await runOperation('healing.evaluate', { module: module.trim(), diff }, { label: `Evaluating a patch to ${module.trim()}` })
    setBusy(null)
    void useHealingStore.getState().refresh()
    if (out.ok) {
      toastSuccess(`Proposed ${out.value.id}`, `Fitness ${out.value.fitness ? out.value.fitness.score.toFixed(2) : '—'}: review it in the queue.`)
      setDiff('')
    }
  }
  const draft = async () => {
    setBusy('draft')
    const out = await runOperation('healing.draftFix', { module: fixModule.trim(), persona: persona.trim() }, { label: `${persona.trim()} drafting a fix for ${fixModule.trim()}` })
    setBusy(null)
    void useHealingStore.getState().refresh()
    if (out.ok) toastSuccess(`Drafted ${out.value.id}`, `Fitness ${out.value.fitness ? out.value.fitness.score.toFixed(2) : '—'}: review it in the queue.`)
  }
  return (
    <section className="panel healing-tools" aria-labelledby="healing-tools-title" data-testid="healing-tools">
      <h2 id="healing-tools-title">Propose a patch</h2>
      <datalist id="healing-modules">
        {suggestions.modules.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      <datalist id="healing-personas">
        {suggestions.personas.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      <form
        className="healing-form"
        data-testid="evaluate-form"
        onSubmit={(e) => {
          e.preventDefault()
          void evaluate()
        }}
      >
        <h3>Evaluate a patch</h3>
        <p className="muted">A unified diff to a module’s files: its tests run on a copy in the sandbox, and it is proposed with its fitness.</p>
        <label className="field">
          <span>Module</span>
          <input className="input" value={module} onChange={(e) => setModule(e.target.value)} aria-label="Module to patch" placeholder="e.g. hello" list="healing-modules" />
        </label>
        <label className="field">
          <span>Diff</span>
          <textarea className="input mono" rows={6} value={diff} onChange={(e) => setDiff(e.target.value)} aria-label="Unified diff" placeholder={'--- a/index.js\n+++ b/index.js\n@@ …'} />
        </label>
        <button type="submit" className="button" disabled={busy !== null || !module.trim() || !diff.trim()}>
          {busy === 'evaluate' ? 'Evaluating…' : 'Evaluate'}
        </button>
        {busy === 'evaluate' && <ProgressBar fraction={null} label="Running the module’s tests in the sandbox" />}
      </form>
      <form
        className="healing-form"
        data-testid="draft-form"
        onSubmit={(e) => {
          e.preventDefault()
          void draft()
        }}
      >
        <h3>Draft a fix</h3>
        <p className="muted">A persona reads a failing module’s test output and proposes a diff; it is evaluated like any patch.</p>
        <label className="field">
          <span>Module</span>
          <input className="input" value={fixModule} onChange={(e) => setFixModule(e.target.value)} aria-label="Failing module" list="healing-modules" />
        </label>
        <label className="field">
          <span>Persona</span>
          <input className="input" value={persona} onChange={(e) => setPersona(e.target.value)} aria-label="Persona" list="healing-personas" />
        </label>
        <button type="submit" className="button" disabled={busy !== null || !fixModule.trim() || !persona.trim()}>
          {busy === 'draft' ? 'Drafting…' : 'Draft a fix'}
        </button>
        {busy === 'draft' && <ProgressBar fraction={null} label="The persona is drafting; then the sandbox runs" />}
      </form>
    </section>
  )
}
