// The peer's JSON API. Every URL is relative ("./api/..."), so the page works
// unchanged under a proxy's prefix such as /u/alice/.

/** An answer the peer refused: its message says what to change. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, 'bad_answer', `the peer answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new ApiError(response.status, body.error ?? 'error', body.message ?? `HTTP ${response.status}`);
  return body;
}

/** GET ./api/<path>?<params>. */
export async function getJson(path, params = {}) {
  const query = new URLSearchParams(params).toString();
  return answer(await fetch(`./api/${path}${query ? `?${query}` : ''}`, { credentials: 'same-origin', cache: 'no-store' }));
}

/** POST ./api/<path> with a JSON body. */
export async function postJson(path, body) {
  return answer(
    await fetch(`./api/${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}
