import type { ReadyPage } from '../pageEntry'
import { WorkersPage } from './WorkersPage'
import './workers.css'

export const workersPage: ReadyPage = { id: 'workers', label: 'Workers', icon: 'workers', component: WorkersPage }
