import { useEffect, useMemo } from 'react'
import { settingDefs } from '../../../../shared/contract/inference'
import { ErrorCallout } from '../../components/ErrorCallout'
import { Icon } from '../../components/Icon'
import { useSettingsStore } from '../../stores/settingsStore'
import { SettingRowView } from './SettingRowView'
import { settingSections } from './settingForm'

/**
 * Every setting, grouped, with its description, default and unit from the contract. A change applies
 * at once (`config.set`) and shows in every open window and the CLI; changes made there show here.
 */
export function SettingsPage() {
  const loaded = useSettingsStore((s) => s.loaded)
  const rows = useSettingsStore((s) => s.rows)
  const error = useSettingsStore((s) => s.error)
  const refresh = useSettingsStore((s) => s.refresh)
  const sections = useMemo(() => settingSections(settingDefs, rows), [rows])

  useEffect(() => {
    void refresh()
  }, [refresh])

  return (
    <div className="inference-page settings-page" data-testid="settings-page">
      <div className="page-toolbar">
        <p className="muted toolbar-summary">
          <Icon name="settings" size={15} />
          <span>
            Changes apply at once and show in every open window and in the CLI: <span className="mono">warden config get</span>
          </span>
        </p>
      </div>
      {error && <ErrorCallout error={error} className="page-callout" icon />}
      <div className="page-scroll">
        {!loaded ? (
          <div className="loading-board" aria-busy="true">
            <span className="spinner" /> Loading settings…
          </div>
        ) : (
          sections.map((section) => (
            <section key={section.group} className="panel settings-section" aria-labelledby={`settings-group-${section.group}`} data-testid={`settings-group-${section.group}`}>
              <header className="settings-section-header">
                <h2 id={`settings-group-${section.group}`}>{section.group}</h2>
                <p>{section.description}</p>
              </header>
              {section.fields.map((field) => (
                <SettingRowView key={field.key} field={field} />
              ))}
            </section>
          ))
        )}
      </div>
    </div>
  )
}
