// "Forgot password": an e-mail through SMTP (a sink on loopback) with a single-use, expiring link.
import { test } from 'uvu';
import { request } from 'node:http';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.ts';
import { WebClient, fieldError } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';
import { PasswordResets, RESET_TTL_MS } from '../server/service/password-reset.ts';
import { tableRows } from './helpers/table-peek.ts';

// Links are built from this setting only, never from the Host a request names (issue 12).
const PUBLIC_URL = 'https://cockpit.operator.example/cadran';
let s: TestServer;
let sink: SmtpSink;

const linkOf = (data: string) => {
  // Quoted-printable bodies fold long lines with `=` + CRLF.
  const body = data.replace(/=\r\n/g, '').replace(/=3D/g, '=');
  const m = /(https?:\/\/[^\s]+\/password\/reset\/[A-Za-z0-9_-]+)/.exec(body);
  assert.ok(m, 'the mail holds a reset link');
  return new URL(m![1]!);
};

test.before(async () => {
  sink = await startSmtpSink();
  s = await startTestServer({ features: [webFeature], env: { CADRAN_SMTP_HOST: '127.0.0.1', CADRAN_SMTP_PORT: String(sink.port), CADRAN_SMTP_FROM: 'cadran@test.example', CADRAN_ADMIN_PUBLIC_URL: PUBLIC_URL } });
  await seedTwoTenants(s);
  await s.api('PATCH', '/users/0100000002', { email: 'alice@acme.example' });
});
test.after(async () => {
  await s.close();
  await sink.close();
});

test('a reset link arrives by e-mail and works exactly once', async () => {
  const c = new WebClient(s.adminUrl);
  await c.get('/password/forgot');
  const before = sink.messages.length;
  const r = await c.post('/password/forgot', { number: '0100000002' });
  assert.is(r.status, 200);
  assert.match(r.html, 'un lien vient de lui être envoyé');
  const mail = await sink.waitFor(before);
  assert.equal(mail.to, ['<alice@acme.example>']);
  assert.match(mail.data, 'Subject: Votre nouveau mot de passe cadran');
  const link = linkOf(mail.data);
  assert.is(link.origin, 'https://cockpit.operator.example', 'the link uses the configured public URL');
  assert.ok(link.pathname.startsWith('/cadran/password/reset/'), 'its path kept (behind a proxy)');
  link.pathname = link.pathname.slice('/cadran'.length);

  // Sessions opened before the reset (say, by whoever knew the old password): API and web.
  const api = await s.api('POST', '/sessions', { login: '0100000002', password: 'pw-0100000002' }, null);
  assert.is(api.status, 201);
  const web = new WebClient(s.adminUrl);
  assert.is((await web.login('0100000002', 'pw-0100000002')).status, 303);
  const oldCookie = `cadran_session=${web.cookies.get('cadran_session')}`;
  const current = (h: Record<string, string>, token: string | null) => s.api('GET', '/sessions/current', undefined, token, h);
  assert.is((await current({}, api.body.token)).status, 200);
  assert.is((await current({ cookie: oldCookie }, null)).status, 200);

  const form = await c.get(link.pathname);
  assert.is(form.status, 200);
  let done = await c.post(link.pathname, { password: 'nouveau-secret-1', confirm: 'autre-chose' });
  assert.is(done.status, 422);
  assert.is(fieldError(done.html, 'confirm'), 'Les deux mots de passe ne sont pas identiques.');
  done = await c.post(link.pathname, { password: 'court', confirm: 'court' });
  assert.is(done.status, 422);
  assert.ok(fieldError(done.html, 'password'), 'too short: said next to the field, link not burnt');
  done = await c.post(link.pathname, { password: 'nouveau-secret-1', confirm: 'nouveau-secret-1' });
  assert.is(done.status, 303);
  assert.is(done.location, '/login?done=password_reset');
  // The reset ended every session and token: the old ones are replayed and refused.
  assert.is((await current({}, api.body.token)).status, 401, 'the old bearer token');
  assert.is((await current({ cookie: oldCookie }, null)).status, 401, 'the old cookie');
  assert.is((await web.get('/users/0100000002/phone')).status, 303, 'the old web session is sent to the login page');
  assert.is((await new WebClient(s.adminUrl).login('0100000002', 'nouveau-secret-1')).status, 303);

  const again = await c.get(link.pathname);
  assert.is(again.status, 410);
  assert.match(again.html, 'déjà été utilisé');
  const reuse = await c.post(link.pathname, { password: 'encore-un-autre', confirm: 'encore-un-autre' });
  assert.is(reuse.status, 410);
  assert.is((await new WebClient(s.adminUrl).login('0100000002', 'encore-un-autre')).status, 401);
});

test('unknown numbers and licences without e-mail get the same answer and no mail', async () => {
  const c = new WebClient(s.adminUrl);
  await c.get('/password/forgot');
  const before = sink.messages.length;
  for (const number of ['0999999999', '0100000003']) {
    const r = await c.post('/password/forgot', { number });
    assert.is(r.status, 200);
    assert.match(r.html, 'un lien vient de lui être envoyé');
  }
  const bad = await c.post('/password/forgot', { number: '12' });
  assert.is(bad.status, 422);
  assert.ok(fieldError(bad.html, 'number'));
  // A known address gets its mail: those before it were never sent.
  await s.api('PATCH', '/users/0100000003', { email: 'bob@acme.example' });
  await c.post('/password/forgot', { number: '0100000003' });
  const mail = await sink.waitFor(before);
  assert.equal(mail.to, ['<bob@acme.example>']);
});

/** POST a form with a chosen Host header (fetch does not let one set it). */
function postWithHost(path: string, host: string, fields: Record<string, string>, cookies: string): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(fields).toString();
  const url = new URL(s.adminUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'POST', headers: { host, cookie: cookies, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), 'x-forwarded-host': host } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('Host: evil.example (issue 12, finding 2): the mailed link still points at the configured public URL', async () => {
  const c = new WebClient(s.adminUrl);
  await c.get('/password/forgot');
  const before = sink.messages.length;
  await s.api('PATCH', '/users/0200000002', { email: 'gina@globex.example' });
  const cookies = [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const r = await postWithHost('/password/forgot', 'evil.example', { _csrf: c.csrf, number: '0200000002' }, cookies);
  assert.is(r.status, 200, r.body.slice(0, 300));
  const mail = await sink.waitFor(before);
  assert.not.match(mail.data, 'evil.example');
  const link = linkOf(mail.data);
  assert.is(link.origin, 'https://cockpit.operator.example');
});

test('without CADRAN_ADMIN_PUBLIC_URL no link is ever mailed, and the page says so plainly', async () => {
  const bare = await startTestServer({ features: [webFeature], env: { CADRAN_SMTP_HOST: '127.0.0.1', CADRAN_SMTP_PORT: String(sink.port), CADRAN_SMTP_FROM: 'cadran@test.example' } });
  try {
    await seedTwoTenants(bare);
    await bare.api('PATCH', '/users/0100000002', { email: 'alice@acme.example' });
    const c = new WebClient(bare.adminUrl);
    const page = await c.get('/password/forgot');
    assert.match(page.html, 'id="mail-unavailable"');
    assert.match(page.html, 'pas configurée sur ce serveur');
    const before = sink.messages.length;
    await c.get('/login'); // the page above has no form: take a CSRF token from one that has
    const r = await c.post('/password/forgot', { number: '0100000002' });
    assert.is(r.status, 503);
    assert.match(r.html, 'Demandez à l');
    await new Promise((res) => setTimeout(res, 300));
    assert.is(sink.messages.length, before, 'no mail');
  } finally {
    await bare.close();
  }
});

test('tokens: stored hashed, expire after an hour, one mail a minute at most', async () => {
  const resets = new PasswordResets(s.app.store);
  const t0 = Date.parse('2030-01-01T10:00:00Z');
  const token = (await resets.issue('0200000002', t0))!;
  assert.ok(token);
  assert.is(await resets.issue('0200000002', t0 + 1000), null, 'no second mail right away');
  const rows = await tableRows(s.app.config, 'password_resets');
  assert.ok(rows.length > 0);
  assert.not.ok(JSON.stringify(rows).includes(token), 'only a hash is stored');
  assert.is(await resets.peek(token, t0 + RESET_TTL_MS - 1000), '0200000002');
  assert.is(await resets.peek(token, t0 + RESET_TTL_MS + 1000), undefined, 'expired');
  assert.is(await resets.peek('not-a-token'), undefined);
});

test('an expired or forged link shows a clear page', async () => {
  const c = new WebClient(s.adminUrl);
  const r = await c.get('/password/reset/forged-token');
  assert.is(r.status, 410);
  assert.match(r.html, 'Demander un nouveau lien');
});

test.run();
