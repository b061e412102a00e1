/**
 * Text from elsewhere (a running Warden's replies, a worker's output, a log line) goes to a terminal
 * or a page: escape sequences in it could retitle a window, rewrite the screen or hide text. One
 * place knows how to drop them.
 */

/* eslint-disable no-control-regex -- matching control characters is the point */
// ESC followed by a CSI / OSC / DCS … sequence or a single character; then lone C0, DEL, C1, bidi controls.
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -/]*[0-~]?)/g
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
/* eslint-enable no-control-regex */

/** What can be shown as it is: no escape sequences, no control characters but `\n` and `\t`. */
export function printable(text: string): string {
  return text.replace(ESCAPES, '').replace(CONTROLS, '')
}
