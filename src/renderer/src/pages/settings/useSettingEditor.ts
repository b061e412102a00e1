import { useEffect, useRef, useState } from 'react'
import { applySetting } from '../../actions/settingsActions'
import { fieldText, type SettingField } from './settingForm'

/** How long "Saved" shows after a change applied. */
const SAVED_MS = 1800

export interface SettingEditor {
  /** What the field shows: the text being typed, else the current value (which follows other windows and the CLI). */
  text: string
  /** A text is being typed that has not been applied. */
  editing: boolean
  /** Why the last change was refused: by the contract's schema here, or by the host. */
  problem: string | null
  busy: boolean
  saved: boolean
  type(text: string): void
  /** Apply what was typed (Enter, leaving the field). */
  commit(): Promise<void>
  /** Drop what was typed (Escape). */
  revert(): void
  /** Apply a value chosen outright: a switch, "auto", the default. */
  choose(value: unknown): Promise<void>
}

/** One setting being edited: the typed text, its check, applying it and saying how that went. */
export function useSettingEditor(field: SettingField): SettingEditor {
  const [draft, setDraft] = useState<string | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState(false)
  // Enter then blur would apply twice; the text committed last is remembered.
  const committing = useRef<string | null>(null)

  useEffect(() => {
    if (!saved) return
    const timer = setTimeout(() => setSaved(false), SAVED_MS)
    return () => clearTimeout(timer)
  }, [saved])

  const apply = async (input: { text: string } | { value: unknown }) => {
    setBusy(true)
    setSaved(false)
    const out = await applySetting(field, input)
    setBusy(false)
    if (out.status === 'refused') return setProblem(out.problem)
    setProblem(null)
    setDraft(null)
    if (out.status === 'saved') setSaved(true)
  }

  return {
    text: draft ?? fieldText(field.row.value),
    editing: draft !== null,
    problem,
    busy,
    saved,
    type: (text) => {
      setDraft(text)
      setProblem(null)
    },
    commit: async () => {
      if (draft === null || committing.current === draft) return
      committing.current = draft
      try {
        await apply({ text: draft })
      } finally {
        committing.current = null
      }
    },
    revert: () => {
      setDraft(null)
      setProblem(null)
    },
    choose: (value) => apply({ value }),
  }
}
