import type { ReadyPage } from '../pageEntry'
import { GenomePage } from './GenomePage'
import { useGenomeStore } from './genomeStore'
import './genome.css'

declare global {
  interface Window {
    /** From the app's preload; absent in a browser window. */
    wardenFiles?: { pathOf(file: File): string }
  }
}

/** A dropped file's path: the app's window knows it, a browser window does not (null). */
function droppedPath(file: File): string | null {
  try {
    return window.wardenFiles?.pathOf(file) || null
  } catch {
    return null
  }
}

export const genomePage: ReadyPage = {
  id: 'genome',
  label: 'Genome',
  icon: 'sparkles',
  component: GenomePage,
  // A dropped .gguf fills the "Add an adapter" form: its path where the window knows it (the app), else its name.
  onFileDrop: (files) => {
    const f = files.find((x) => /\.gguf$/i.test(x.name)) ?? files[0]
    if (!f) return
    useGenomeStore.getState().drop({ path: droppedPath(f), name: f.name })
  },
}
