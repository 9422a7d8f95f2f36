// Live updates: the peer's events as Server-Sent Events from ./events (relative,
// so a proxy's prefix is kept). EventSource reconnects by itself after a break.

/**
 * Opens the stream; `onEvent` gets each peer event (first a `hello` once subscribed,
 * again after every reconnect), `onStatus` 'live', 'reconnecting' or 'closed'.
 */
export function connectLive(onEvent, onStatus) {
  const source = new EventSource('./events');
  source.addEventListener('open', () => onStatus('live'));
  source.addEventListener('error', () => onStatus(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  source.addEventListener('message', (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (event && typeof event.type === 'string') onEvent(event);
  });
  return source;
}
