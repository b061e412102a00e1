import { dependentTree, useModulesStore } from '../../stores/modulesStore'
import { useHibernateDialogStore } from '../../stores/hibernateDialogStore'

/** Ask for the reason (and about dependents, if any) before hibernating `name`. */
export function requestHibernate(name: string): void {
  const tree = dependentTree(useModulesStore.getState().groups, name)
  useHibernateDialogStore.getState().open(name, tree)
}
