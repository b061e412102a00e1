import { wakeFromFile } from '../../actions/moduleActions'
import type { ReadyPage } from '../pageEntry'
import { ModulesPage } from './ModulesPage'
import './modules.css'
import './detail/detail.css'

export const modulesPage: ReadyPage = {
  id: 'modules',
  label: 'Modules',
  icon: 'modules',
  component: ModulesPage,
  needsWorkspace: true,
  showsWorkspace: true,
  // A tarball dropped on the window wakes it (npm pack output, or a hibernation from elsewhere).
  onFileDrop: (files) => {
    for (const f of files) void wakeFromFile(f)
  },
}
