/**
 * A spawner could not do what it was asked: a peer did not start in time, an instance is
 * not vacant, Docker refused. The message names the instance or user and the limit.
 */
export class SpawnerError extends Error {
  override readonly name = 'SpawnerError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
