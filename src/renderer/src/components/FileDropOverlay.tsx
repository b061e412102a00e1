import { Icon } from './Icon'

/** Shown while files from the desktop are dragged over the window. */
export function FileDropOverlay() {
  return (
    <div className="file-drop-overlay" data-testid="file-drop-overlay" aria-hidden="true">
      <div className="file-drop-box">
        <Icon name="upload" size={36} />
        <strong>Drop a module archive to wake it</strong>
        <span className="muted">.tgz files: a hibernation archive or an npm pack tarball</span>
      </div>
    </div>
  )
}
