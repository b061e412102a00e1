import type { ReadyPage } from '../pageEntry'
import { ApiKeysPage } from './ApiKeysPage'
import './apiKeys.css'

export const apiKeysPage: ReadyPage = { id: 'api', label: 'API keys', icon: 'key', component: ApiKeysPage }
