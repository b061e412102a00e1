import type { ReadyPage } from '../pageEntry'
import { HealingPage } from './HealingPage'
import './healing.css'

export const healingPage: ReadyPage = { id: 'healing', label: 'Healing', icon: 'shield', component: HealingPage }
