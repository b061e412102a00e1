import type { ReadyPage } from '../pageEntry'
import { HealthPage } from './HealthPage'
import './health.css'

export const healthPage: ReadyPage = { id: 'health', label: 'Health', icon: 'health', component: HealthPage }
