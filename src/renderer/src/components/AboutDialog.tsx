import { wardenClient } from '../client/clientInstance'
import { useSessionStore } from '../stores/sessionStore'
import { Dialog } from './Dialog'

const LABELS: Record<string, string> = { warden: 'Warden', node: 'Node.js', electron: 'Electron', chrome: 'Chrome', v8: 'V8' }
const ORDER = ['warden', 'electron', 'chrome', 'node', 'v8']

/** The versions to show: the host's, plus this browser's Chrome when the UI is not inside Electron. */
function versionRows(versions: Record<string, string>): Array<[string, string]> {
  const rows: Record<string, string> = { ...versions }
  if (!rows.electron) rows.electron = 'not used (headless server)'
  if (!rows.chrome) {
    const chrome = /Chrom(?:e|ium)\/([\d.]+)/.exec(navigator.userAgent)?.[1]
    if (chrome) rows.chrome = `${chrome} (this browser)`
  }
  return Object.entries(rows).sort(([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99))
}

/** Versions and paths from `app.info`. */
export function AboutDialog({ onClose }: { onClose(): void }) {
  const info = useSessionStore((s) => s.info)
  const versions = versionRows(info?.versions ?? {})
  return (
    <Dialog title="About Warden" onClose={onClose} testId="about-dialog" width={420}>
      <div className="about-brand">
        <div className="brand-mark large" aria-hidden="true">W</div>
        <div>
          <strong>Warden {info?.version}</strong>
          <p className="muted">Keeps a modular codebase and its local models in order.</p>
        </div>
      </div>
      <dl className="props">
        {versions.map(([k, v]) => (
          <div key={k}>
            <dt>{LABELS[k] ?? k}</dt>
            <dd className="mono">{v}</dd>
          </div>
        ))}
        <div>
          <dt>Running as</dt>
          <dd>
            {info?.runtime === 'electron' ? 'desktop app' : info?.runtime === 'server' ? 'headless server' : info?.runtime} ·{' '}
            {wardenClient().transport === 'ipc' ? 'IPC' : 'WebSocket'}
          </dd>
        </div>
        <div>
          <dt>Platform</dt>
          <dd className="mono">{info?.platform}</dd>
        </div>
        <div>
          <dt>Home folder</dt>
          <dd className="mono wrap" data-testid="about-home">
            {info?.home}
          </dd>
        </div>
      </dl>
    </Dialog>
  )
}
