import { formatBytes } from '../../../shared/format'
import { toastSuccess } from '../stores/toastStore'
import { runOperation } from './runOperation'

/** Make a distributable npm-pack tarball of an active module. */
export async function packModule(name: string): Promise<void> {
  const out = await runOperation('module.pack', { name }, { label: `Packing ${name}` })
  if (out.ok) toastSuccess(`Packed ${name}`, `${out.value.path} · ${formatBytes(out.value.size)}, ${out.value.files.length} files`)
}
