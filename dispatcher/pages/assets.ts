/**
 * The static files under /static/, kept in the compiled code (the peer image and
 * dist carry no loose files). Browser code: plain ES2020, no inline handlers; every
 * value reaches the page through textContent.
 */

export interface Asset {
  type: string;
  body: string;
}

/** The stylesheet of every dispatcher page. */
const STYLESHEET = `body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
main { max-width: 40rem; margin: 3rem auto; padding: 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.08); }
h1 { margin-top: 0; font-size: 1.4rem; letter-spacing: 0.02em; }
label { display: block; margin: 0.8rem 0; }
input { display: block; width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; margin-top: 0.2rem; }
button { font: inherit; padding: 0.5rem 1.2rem; cursor: pointer; }
button.link { background: none; border: none; padding: 0; color: #2756c4; text-decoration: underline; }
.problem { color: #a1261b; background: #fdecea; padding: 0.5rem 0.8rem; border-radius: 4px; }
.hint { color: #5b6475; font-size: 0.9rem; }
.spinner { display: inline-block; width: 0.9em; height: 0.9em; border: 2px solid #9aa6bd; border-top-color: transparent; border-radius: 50%; animation: spin 0.8s linear infinite; vertical-align: -0.1em; }
@keyframes spin { to { transform: rotate(360deg); } }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid #e3e6ec; }
`;

/** The start progress page's script. */
const PROGRESS_SCRIPT = `// The start progress page: polls the dispatcher for this session's peer and reloads
// the page (which is then the peer's own UI) once it is up. No user data is put in
// the page except through textContent.
'use strict';
(function () {
  const step = document.getElementById('step');
  const failure = document.getElementById('failure');
  const error = document.getElementById('error');
  let delay = 300;
  async function poll() {
    let status;
    try {
      const res = await fetch('/api/status', { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) {
        location.assign('/');
        return;
      }
      status = await res.json();
    } catch (e) {
      status = { state: 'starting', step: 'waiting for the dispatcher' };
    }
    if (status.state === 'ready') {
      location.reload();
      return;
    }
    if (status.state === 'failed' || status.state === 'none') {
      error.textContent = status.error || 'Your peer is not running.';
      failure.hidden = false;
      document.getElementById('progress').dataset.state = 'failed';
      return;
    }
    step.textContent = status.step || 'starting';
    delay = Math.min(2000, delay * 1.5);
    setTimeout(poll, delay);
  }
  poll();
})();
`;

/** The admin page's script. */
const ADMIN_SCRIPT = `// The admin page: lists users and their peers from /admin/api/users and stops a
// peer with a POST carrying the session's CSRF token. Every value goes in through
// textContent.
'use strict';
(function () {
  const body = document.querySelector('#users tbody');
  const summary = document.getElementById('summary');
  const problem = document.getElementById('admin-error');
  function cell(row, text) {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function idle(ms) {
    if (ms === undefined || ms === null) return '';
    const s = Math.round(ms / 1000);
    return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
  }
  function show(err) {
    problem.textContent = String(err && err.message ? err.message : err);
    problem.hidden = false;
  }
  async function load() {
    const res = await fetch('/admin/api/users', { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error('listing users: HTTP ' + res.status);
    const data = await res.json();
    summary.textContent = data.active + ' of at most ' + data.maxUsers + ' peers in use, ' + data.vacant + ' vacant';
    body.replaceChildren();
    for (const user of data.users) {
      const row = document.createElement('tr');
      cell(row, user.name);
      cell(row, user.admin ? 'yes' : '');
      cell(row, user.state);
      cell(row, user.instanceId || '');
      cell(row, idle(user.idleMs));
      const actions = cell(row, '');
      if (user.state === 'ready' || user.state === 'starting') {
        const button = document.createElement('button');
        button.textContent = 'Stop';
        button.addEventListener('click', () => stop(user.name, data.csrfToken).catch(show));
        actions.appendChild(button);
      }
      body.appendChild(row);
    }
  }
  async function stop(name, csrf) {
    const res = await fetch('/admin/api/users/' + encodeURIComponent(name) + '/stop', {
      method: 'POST',
      headers: { 'x-csrf-token': csrf, accept: 'application/json' },
      credentials: 'same-origin',
    });
    if (!res.ok) throw new Error('stopping ' + name + ': HTTP ' + res.status);
    await load();
  }
  load().catch(show);
  setInterval(() => load().catch(show), 5000);
})();
`;

/** The assets by their name under /static/. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['dispatcher.css', { type: 'text/css; charset=utf-8', body: STYLESHEET }],
  ['progress.js', { type: 'text/javascript; charset=utf-8', body: PROGRESS_SCRIPT }],
  ['admin.js', { type: 'text/javascript; charset=utf-8', body: ADMIN_SCRIPT }],
]);
