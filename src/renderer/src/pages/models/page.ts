import type { ReadyPage } from '../pageEntry'
import { ModelsPage } from './ModelsPage'
import './models.css'

export const modelsPage: ReadyPage = { id: 'models', label: 'Models', icon: 'models', component: ModelsPage }
