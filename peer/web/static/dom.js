// Building the page's DOM. Every string goes in through textContent (never
// innerHTML): a name or a message from another peer is always text, never markup.

/**
 * A new element: `options.text` becomes its textContent, `options.className` its
 * class, `options.data` its data-* attributes; `children` are appended (strings as text).
 */
export function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = String(options.text);
  if (options.title !== undefined) node.title = String(options.title);
  for (const [key, value] of Object.entries(options.data ?? {})) node.dataset[key] = String(value);
  return append(node, ...children);
}

/** Appends children to `node` (strings as text nodes; null, undefined and false skipped); returns `node`. */
export function append(node, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** A button that runs `onClick`; `content` is its text or its child nodes. */
export function button(content, onClick, className = '') {
  const node = Array.isArray(content) ? el('button', { className }, ...content) : el('button', { className, text: content });
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent, children) {
  parent.replaceChildren(...children.filter(Boolean));
}

/** HH:MM:SS in local time. */
export function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** "now", "12 s ago", "3 min ago". */
export function ago(ms) {
  if (ms < 1500) return 'now';
  if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
  return `${Math.round(ms / 60_000)} min ago`;
}
