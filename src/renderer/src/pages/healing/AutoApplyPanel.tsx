import { useEffect, useState } from 'react'
import { patchKinds, type HealingStatus, type PatchKind } from '../../../../shared/contract/domains/healing'
import { runOperation } from '../../actions/runOperation'
import { toastSuccess } from '../../stores/toastStore'
import { useHealingStore } from './healingStore'

const kindLabel: Record<PatchKind, string> = {
  'module-diff': 'Module diffs',
  settings: 'Settings',
  persona: 'Persona changes',
  'worker-action': 'Worker actions',
  'module-action': 'Module actions',
}

/** Auto-apply: off until phase gate 3 is met (and why not), then for the patch kinds the person allows. */
export function AutoApplyPanel({ status }: { status: HealingStatus }) {
  const auto = status.autoApply
  const [enabled, setEnabled] = useState(auto.enabled)
  const [kinds, setKinds] = useState<string[]>(auto.kinds)
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    setEnabled(auto.enabled)
    setKinds(auto.kinds)
  }, [auto.enabled, auto.kinds])
  const save = async () => {
    setBusy(true)
    const out = await runOperation('healing.autoApply', { enabled, kinds: kinds.filter((k): k is PatchKind => (patchKinds as readonly string[]).includes(k)) }, { label: 'Saving auto-apply' })
    setBusy(false)
    void useHealingStore.getState().refresh()
    if (out.ok) toastSuccess(out.value.autoApply.enabled ? `Auto-apply on for ${out.value.autoApply.kinds.join(', ')}` : 'Auto-apply off')
  }
  return (
    <section className="panel healing-auto" aria-labelledby="healing-auto-title" data-testid="healing-auto-apply">
      <h2 id="healing-auto-title">Auto-apply</h2>
      <p className={auto.allowed ? 'muted' : 'callout warning'} data-testid="auto-apply-why">
        {auto.why}
      </p>
      <fieldset disabled={!auto.allowed || busy} className="auto-apply-form">
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Apply patches above the threshold on their own
        </label>
        <div className="auto-kinds" role="group" aria-label="Patch kinds">
          {patchKinds.map((k) => (
            <label key={k} className="checkbox">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} /> {kindLabel[k]}
            </label>
          ))}
        </div>
        <button type="button" className="button small" onClick={() => void save()}>
          Save
        </button>
      </fieldset>
    </section>
  )
}
