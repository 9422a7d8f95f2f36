/**
 * Makes remote text safe to print: no terminal control sequence, no
 * bidirectional override (which can make text read differently than it is)
 * gets through. Each such character is shown as a visible \u escape.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text from a remote peer, safe for a terminal (newlines and tabs kept). */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Starts every continuation line of a remote's text, so it can never pass for a line of its own. */
export const CONTINUATION = '  \u21b3 ';

/**
 * A remote's message text, escaped, to follow "12:00:00 carol: " on a line: a line
 * break in the text starts a continuation line, indented and marked with ↳, so no
 * text can print a line that looks like another message or a status line. (\r,
 * U+2028 and U+2029 are shown as \u escapes by escapeForTerminal.)
 */
export function escapeMessageBody(text: string): string {
  return escapeForTerminal(text).split('\n').join(`\n${CONTINUATION}`);
}

/** A single-line field (a name): newlines and tabs escaped too. */
export function escapeInline(text: string): string {
  return escapeForTerminal(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}
