import type { ReadyPage } from '../pageEntry'
import { SettingsPage } from './SettingsPage'
import './settings.css'

export const settingsPage: ReadyPage = { id: 'settings', label: 'Settings', icon: 'settings', component: SettingsPage, nav: 'foot' }
