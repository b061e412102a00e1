import type { ReadyPage } from '../pageEntry'
import { PersonasPage } from './PersonasPage'
import './personas.css'

export const personasPage: ReadyPage = { id: 'personas', label: 'Personas', icon: 'personas', component: PersonasPage }
