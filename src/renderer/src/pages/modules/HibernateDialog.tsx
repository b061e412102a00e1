import { hibernateModule } from '../../actions/moduleActions'
import { Dialog } from '../../components/Dialog'
import { Icon } from '../../components/Icon'
import { dependentsOf } from '../../lib/toWardenError'
import { useHibernateDialogStore } from '../../stores/hibernateDialogStore'
import { dependentTree, useModulesStore } from '../../stores/modulesStore'

/** Asks why (default "manual") and, when others depend on the module, whether to take the whole tree. */
export function HibernateDialog() {
  const request = useHibernateDialogStore((s) => s.request)
  const patch = useHibernateDialogStore((s) => s.patch)
  const close = useHibernateDialogStore((s) => s.close)
  if (!request) return null
  const { name, reason, tree, busy } = request
  const withTree = tree.length > 0

  const confirm = async () => {
    patch({ busy: true })
    const out = await hibernateModule(name, reason.trim() || 'manual', withTree)
    if (out.ok) return close()
    if (out.error.code === 'HAS_DEPENDENTS') {
      // Our list was stale: the host knows of dependents we did not. Ask about the whole tree.
      await useModulesStore.getState().refresh()
      const direct = dependentsOf(out.error)
      const known = dependentTree(useModulesStore.getState().groups, name)
      patch({ busy: false, direct, tree: [...new Set([...direct, ...known])] })
    } else patch({ busy: false })
  }

  return (
    <Dialog
      title={`Hibernate ${name}`}
      onClose={close}
      testId="hibernate-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" form="hibernate-form" className={`button primary${withTree ? ' warning' : ''}`} disabled={busy}>
            {busy ? 'Hibernating…' : withTree ? `Hibernate all ${tree.length + 1}` : 'Hibernate'}
          </button>
        </>
      }
    >
      <form
        id="hibernate-form"
        onSubmit={(e) => {
          e.preventDefault()
          void confirm()
        }}
      >
        <p className="muted">
          The module is packed into a verified archive and removed from the active tree. It can be woken again at any time.
        </p>
        <label className="field">
          <span>Reason</span>
          <input className="input" value={reason} maxLength={500} onChange={(e) => patch({ reason: e.target.value })} aria-label="Reason" data-autofocus />
        </label>
        {withTree && (
          <div className="callout warning" data-testid="dependents-warning" role="alert">
            <Icon name="alert" size={18} />
            <div>
              <strong>
                {tree.length === 1 ? '1 active module depends' : `${tree.length} active modules depend`} on {name}
              </strong>
              <p>Hibernating it alone would break them. Hibernate the whole tree together, or cancel to change nothing.</p>
              <ul className="chip-list" aria-label="Dependents">
                {tree.map((d) => (
                  <li key={d} className="chip" data-testid="dependent">
                    {d}
                  </li>
                ))}
              </ul>
            </div>
          </div>
        )}
      </form>
    </Dialog>
  )
}
