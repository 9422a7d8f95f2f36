/** A command the user got wrong: unknown recipient, text too long, a name that is not allowed. */
export class SendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendError';
  }
}
