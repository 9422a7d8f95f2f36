/** Escaping for text that goes into report.md. */

/** Text from a scenario or peer, safe in a Markdown table cell (rendered as HTML by CI). */
export function md(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([|\\`*_[\]])/g, '\\$1');
}

/** Text inside a `code span`: backticks and pipes cannot be escaped there, so they are replaced. */
export function code(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/`/g, 'ˋ').replace(/\|/g, '¦');
}
