import type { ReadyPage } from '../pageEntry'
import { GenomePage } from './GenomePage'
import { useGenomeStore } from './genomeStore'
import './genome.css'

export const genomePage: ReadyPage = {
  id: 'genome',
  label: 'Genome',
  icon: 'sparkles',
  component: GenomePage,
  // A dropped .gguf fills the "Add an adapter" form: its path where the window knows it (Electron), else its name.
  onFileDrop: (files) => {
    const f = files.find((x) => /\.gguf$/i.test(x.name)) ?? files[0]
    if (!f) return
    const path = (f as File & { path?: string }).path
    useGenomeStore.getState().drop({ path: typeof path === 'string' && path ? path : null, name: f.name })
  },
}
