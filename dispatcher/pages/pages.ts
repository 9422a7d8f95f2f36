/**
 * The dispatcher's own pages. Static HTML, no inline script or style (the CSP
 * forbids both); the only dynamic text (user names, messages, CSRF tokens) goes
 * through `esc`. Scripts are the files in ./assets, served from /static/.
 */
import { esc } from '../../lab/report/html/escape.js';

function page(title: string, body: string, scripts: string[] = []): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · peerlab</title>
<link rel="stylesheet" href="/static/dispatcher.css">
${scripts.map((s) => `<script src="/static/${esc(s)}" defer></script>`).join('\n')}
</head>
<body>
<main>
<h1>peerlab</h1>
${body}
</main>
</body>
</html>
`;
}

/** `GET /`: the login form. `problem` is shown above it (a wrong password, a limit). */
export function loginPage(problem?: string, userName = ''): string {
  return page(
    'Log in',
    `${problem ? `<p class="problem" role="alert">${esc(problem)}</p>` : ''}
<form method="post" action="/login">
<label>User name <input name="username" autocomplete="username" required maxlength="32" value="${esc(userName)}" autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<button type="submit">Log in</button>
</form>
<p class="hint">Logging in gives you a peer of your own; this page takes you to it.</p>`,
  );
}

/** Shown at /u/NAME/ while the user's peer starts; progress.js polls /api/status and reloads when it is up. */
export function progressPage(user: string, step: string): string {
  return page(
    'Starting your peer',
    `<section id="progress" data-state="starting">
<h2>Starting your peer, ${esc(user)}</h2>
<p><span class="spinner" aria-hidden="true"></span> <span id="step">${esc(step)}</span></p>
<p id="failure" hidden><span id="error"></span> <a href="">Try again</a></p>
</section>
<form method="get" action="/logout"><button type="submit" class="link">Log out</button></form>`,
    ['progress.js'],
  );
}

/** `GET /logout`: one button, a POST with the session's CSRF token. */
export function logoutPage(user: string, csrf: string): string {
  return page(
    'Log out',
    `<p>Logged in as <strong>${esc(user)}</strong>. Your peer keeps running (and receiving messages) until it has been idle a while.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<button type="submit">Log out</button>
</form>
<p><a href="/u/${esc(user)}/">Back to your peer</a></p>`,
  );
}

/** The admin list; admin.js fills the table from /admin/api/users. */
export function adminPage(): string {
  return page(
    'Admin',
    `<h2>Users and their peers</h2>
<p id="summary"></p>
<table id="users"><thead><tr><th>User</th><th>Admin</th><th>Peer</th><th>Instance</th><th>Idle</th><th></th></tr></thead><tbody></tbody></table>
<p id="admin-error" class="problem" hidden></p>`,
    ['admin.js'],
  );
}

/** Any status page: a title, a sentence, and a way on. */
export function messagePage(title: string, message: string, link: { href: '/' | '/logout'; text: string } = { href: '/', text: 'Log in' }): string {
  return page(title, `<h2>${esc(title)}</h2>\n<p>${esc(message)}</p>\n<p><a href="${link.href}">${esc(link.text)}</a></p>`);
}
