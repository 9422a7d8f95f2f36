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

/** A single-line field (a name): newlines and tabs escaped too. */
export function escapeInline(text: string): string {
  return escapeForTerminal(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}
