import { useRef, useState, type KeyboardEvent, type RefObject } from 'react'
import { Icon } from '../../components/Icon'
import { formatSetting, type SettingField } from './settingForm'
import { useSettingEditor, type SettingEditor } from './useSettingEditor'

/** The text field of a number or a path, with its unit inside; Enter or leaving it applies, Escape drops the change. */
function TextControl({ field, editor, id, describedBy, inputRef, onEmptyBlur }: {
  field: SettingField
  editor: SettingEditor
  id: string
  describedBy: string
  inputRef?: RefObject<HTMLInputElement | null>
  onEmptyBlur?(): void
}) {
  const { def } = field
  const path = def.input === 'path' || def.input === 'text'
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') void editor.commit()
    if (e.key === 'Escape' && editor.editing) {
      e.stopPropagation()
      editor.revert()
    }
  }
  return (
    <div className={`input-group${editor.problem ? ' invalid' : ''}`}>
      <input
        ref={inputRef}
        id={id}
        className="mono"
        type="text"
        inputMode={path ? 'text' : 'numeric'}
        spellCheck={false}
        autoComplete="off"
        value={editor.text}
        placeholder={path ? def.empty : undefined}
        onChange={(e) => editor.type(e.target.value)}
        onBlur={() => {
          if (onEmptyBlur && editor.text.trim() === '') onEmptyBlur()
          else void editor.commit()
        }}
        onKeyDown={onKeyDown}
        aria-invalid={editor.problem !== null}
        aria-describedby={describedBy}
        data-testid={`setting-input-${field.key}`}
      />
      {def.unit && <span className="input-unit">{def.unit}</span>}
    </div>
  )
}

/** "auto", or a number typed in the field beside it. */
function AutoOrNumberControl({ field, editor, id, describedBy, labelId }: { field: SettingField; editor: SettingEditor; id: string; describedBy: string; labelId: string }) {
  const isAuto = field.row.value === 'auto'
  const [manual, setManual] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const showField = !isAuto || manual
  return (
    <>
      <div className="segmented" role="group" aria-labelledby={labelId}>
        <button
          type="button"
          aria-pressed={isAuto && !manual}
          onClick={() => {
            setManual(false)
            editor.revert()
            if (!isAuto) void editor.choose('auto')
          }}
        >
          Auto
        </button>
        <button
          type="button"
          aria-pressed={showField}
          onClick={() => {
            setManual(true)
            setTimeout(() => input.current?.focus(), 0)
          }}
        >
          Set
        </button>
      </div>
      {showField && (
        <TextControl
          field={field}
          editor={editor}
          id={id}
          describedBy={describedBy}
          inputRef={input}
          onEmptyBlur={
            isAuto
              ? () => {
                  // Nothing typed: it stays auto.
                  setManual(false)
                  editor.revert()
                }
              : undefined
          }
        />
      )}
    </>
  )
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** One setting: what it is and does, its default, its control, and how the last change went. */
export function SettingRowView({ field }: { field: SettingField }) {
  const { key, def, row } = field
  const editor = useSettingEditor(field)
  const id = `setting-${key}`
  const labelId = `${id}-label`
  const descriptionId = `${id}-description`
  const problemId = `${id}-problem`
  const describedBy = editor.problem ? `${problemId} ${descriptionId}` : descriptionId
  const zeroNote = def.zero && def.input !== 'toggle' && editor.text.trim() === '0' ? `0 = ${def.zero}` : null

  return (
    <div className={`setting-row${row.isDefault ? '' : ' modified'}${def.input === 'path' || def.input === 'text' ? ' stacked' : ''}`} data-testid={`setting-${key}`}>
      <div className="setting-text">
        <div className="setting-title">
          <label id={labelId} htmlFor={id} className="setting-label">
            {def.label}
          </label>
          <span className="setting-key mono" title="Its name in the CLI and the API">
            {key}
          </span>
        </div>
        <p id={descriptionId} className="setting-description">
          {def.description}
        </p>
        <p className="setting-default">
          Default: <span data-testid={`setting-default-${key}`}>{formatSetting(def, row.default)}</span>
          {!row.isDefault && <span className="setting-changed">changed</span>}
        </p>
      </div>
      <div className="setting-control">
        <div className="setting-control-line">
          {def.input === 'toggle' ? (
            <button
              id={id}
              type="button"
              role="switch"
              className="switch"
              aria-checked={row.value === true}
              aria-labelledby={labelId}
              aria-describedby={describedBy}
              disabled={editor.busy}
              onClick={() => void editor.choose(row.value !== true)}
              data-testid={`setting-input-${key}`}
            />
          ) : def.input === 'autoOrNumber' ? (
            <AutoOrNumberControl field={field} editor={editor} id={id} describedBy={describedBy} labelId={labelId} />
          ) : (
            <TextControl field={field} editor={editor} id={id} describedBy={describedBy} />
          )}
          {/* Always laid out (hidden at the default) so that every field in a column has one width. */}
          <button
            type="button"
            className={`button small ghost setting-reset${row.isDefault ? ' at-default' : ''}`}
            onClick={() => void editor.choose(row.default)}
            disabled={editor.busy || row.isDefault}
            aria-hidden={row.isDefault}
            title={`Back to the default: ${formatSetting(def, row.default)}`}
            aria-label={`Reset ${def.label} to its default`}
          >
            <Icon name="reset" size={13} /> Reset
          </button>
        </div>
        <div className="setting-status" aria-live="polite">
          {editor.problem ? (
            <p id={problemId} className="field-error" role="alert" data-testid={`setting-error-${key}`}>
              {capitalized(editor.problem)}
            </p>
          ) : editor.busy ? (
            <span className="muted">
              <span className="spinner" /> Applying…
            </span>
          ) : editor.saved ? (
            <span className="setting-saved">
              <Icon name="check" size={13} /> Saved
            </span>
          ) : zeroNote ? (
            <span className="muted">{zeroNote}</span>
          ) : editor.editing ? (
            <span className="muted">Enter applies · Esc cancels</span>
          ) : null}
        </div>
      </div>
    </div>
  )
}
