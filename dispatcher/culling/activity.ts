/**
 * When each user's peer last saw traffic through the proxy: an HTTP request, or
 * bytes either way on a WebSocket (an open page that is receiving messages is in
 * use). The culler reads it; the admin list shows it as idle time.
 */
export class Activity {
  private readonly last = new Map<string, number>();

  touch(user: string, nowMs: number): void {
    this.last.set(user, nowMs);
  }

  lastMs(user: string): number | undefined {
    return this.last.get(user);
  }

  forget(user: string): void {
    this.last.delete(user);
  }
}
