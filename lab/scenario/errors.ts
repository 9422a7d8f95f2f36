/**
 * A scenario file (or a --set override) is wrong. The message names the file, the
 * field path and what is allowed, so a user knows what to change; the CLI maps this
 * error to exit code 64 (usage error).
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  /** Exit code the CLI uses for a usage error. */
  readonly exitCode = 64;

  constructor(
    readonly file: string,
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${file}: ${field}: ${problem}` : `${file}: ${problem}`);
  }
}

/** Renders a value the user wrote, for an error message ("fast", 12, [1,2], null). */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return String(value);
  }
}
