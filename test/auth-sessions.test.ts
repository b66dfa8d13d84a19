// Sessions and tokens (issue 12, finding 3): they expire, logout ends them on the server, a
// password change or reset revokes them, people list and revoke theirs (GET/DELETE /sessions),
// and nobody sees or revokes another tenant's. Every attack is replayed: the old token and the
// old cookie are tried again after each revocation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';
import { WebClient, fieldError } from './helpers/web-client.ts';
import { webFeature } from '../server/features.ts';
import { SESSION_COOKIE } from '../server/api/auth.ts';

let s: TestServer;
const ADMIN = '0100000001';
const ALICE = '0100000002';
const BOB = '0100000003';
const GUS = '0200000001'; // admin of globex
const pw = (n: string) => `pw-${n}`;

test.before(async () => {
  s = await startTestServer({ features: [webFeature] });
  await seedTwoTenants(s);
});
test.after(async () => s.close());

/** An API login: its bearer token and its session cookie (one session). */
async function login(number: string, password = pw(number)) {
  const r = await s.api('POST', '/sessions', { login: number, password }, null);
  assert.is(r.status, 201, JSON.stringify(r.body));
  const cookie = r.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
  assert.ok(cookie, 'a session cookie is set');
  return { token: r.body.token as string, csrf: r.body.csrfToken as string, cookie: cookie.split(';')[0]!, id: r.body.session.id as string, setCookie: cookie };
}

/** GET /sessions/current with only a cookie (what a browser replays). */
const withCookie = (cookie: string) => s.api('GET', '/sessions/current', undefined, null, { cookie });
const withToken = (token: string) => s.api('GET', '/sessions/current', undefined, token);

test('logout (DELETE /sessions/current) ends the session on the server: its bearer token and its cookie are refused afterwards', async () => {
  const a = await login(ALICE);
  assert.is((await withToken(a.token)).status, 200);
  assert.is((await withCookie(a.cookie)).status, 200);
  const out = await s.api('DELETE', '/sessions/current', undefined, a.token);
  assert.is(out.status, 204);
  assert.match(out.headers.getSetCookie().join('\n'), new RegExp(`${SESSION_COOKIE}=;`), 'the cookie is cleared');
  const replay = await withToken(a.token);
  assert.is(replay.status, 401, 'the old token');
  assert.is(replay.body.error.key, 'auth.bad_token');
  assert.match(replay.body.error.message, /expiré ou révoqué/);
  assert.is((await withCookie(a.cookie)).status, 401, 'the old cookie');
  // Logging out with the cookie ends the bearer token of the same login too.
  const b = await login(ALICE);
  assert.is((await s.api('DELETE', '/sessions/current', undefined, null, { cookie: b.cookie, 'x-csrf-token': b.csrf })).status, 204);
  assert.is((await withToken(b.token)).status, 401);
});

test('web logout: a copy of the cookie taken before no longer opens anything', async () => {
  const c = new WebClient(s.adminUrl);
  assert.is((await c.login(ALICE, pw(ALICE))).status, 303);
  const stolen = `${SESSION_COOKIE}=${c.cookies.get(SESSION_COOKIE)}`;
  assert.is((await withCookie(stolen)).status, 200);
  assert.is((await c.get(`/users/${ALICE}/phone`)).status, 200);
  assert.is((await c.post('/logout', {})).status, 303);
  assert.is((await withCookie(stolen)).status, 401);
  const page = await fetch(`${s.adminUrl}/users/${ALICE}/phone`, { redirect: 'manual', headers: { cookie: stolen } });
  assert.is(page.status, 303, 'the cockpit sends the replayed cookie to the login page');
});

test('a password change ends every other session and token of that person (hers stays); an admin setting it ends all', async () => {
  const phone = await login(BOB);
  const laptop = await login(BOB);
  const web = new WebClient(s.adminUrl);
  assert.is((await web.login(BOB, pw(BOB))).status, 303);
  const webCookie = `${SESSION_COOKIE}=${web.cookies.get(SESSION_COOKIE)}`;
  const change = await s.api('PATCH', `/users/${BOB}`, { password: 'bob-new-password-1', currentPassword: pw(BOB) }, laptop.token);
  assert.is(change.status, 200, JSON.stringify(change.body));
  assert.is((await withToken(laptop.token)).status, 200, 'the session making the change stays');
  assert.is((await withToken(phone.token)).status, 401, 'another API session is revoked');
  assert.is((await withCookie(phone.cookie)).status, 401);
  assert.is((await withCookie(webCookie)).status, 401, 'the web session is revoked');
  assert.is((await s.api('POST', '/sessions', { login: BOB, password: pw(BOB) }, null)).status, 401, 'the old password is refused');

  // The tenant admin sets it: every session of Bob ends, the one that made the change included.
  const admin = await login(ADMIN);
  assert.is((await s.api('PATCH', `/users/${BOB}`, { password: pw(BOB) }, admin.token)).status, 200);
  assert.is((await withToken(laptop.token)).status, 401);
  assert.is((await withToken(admin.token)).status, 200, "the admin's own session is not touched");
});

test('GET /sessions lists her own sessions without secrets; DELETE /sessions ends all but the current one; DELETE /sessions/{id} one', async () => {
  const first = await login(ALICE);
  const second = await login(ALICE);
  const third = await login(ALICE);
  const list = await s.api('GET', '/sessions', undefined, third.token);
  assert.is(list.status, 200);
  const ids = list.body.map((c: { id: string }) => c.id);
  for (const x of [first, second, third]) assert.ok(ids.includes(x.id), x.id);
  assert.ok(list.body.every((c: { principal: string }) => c.principal === `user:${ALICE}`), 'only hers');
  assert.equal(list.body.filter((c: { current: boolean }) => c.current).map((c: { id: string }) => c.id), [third.id]);
  const text = JSON.stringify(list.body);
  for (const secret of [first.token, second.token, third.token, first.cookie.split('=')[1]!, first.csrf]) assert.not.ok(text.includes(secret), 'no secret in the list');
  assert.ok(list.body[0].expiresAt && list.body[0].createdAt && list.body[0].lastUsedAt);

  assert.is((await s.api('DELETE', `/sessions/${first.id}`, undefined, third.token)).status, 204);
  assert.is((await withToken(first.token)).status, 401);
  assert.is((await withToken(second.token)).status, 200);
  const all = await s.api('DELETE', '/sessions', undefined, third.token);
  assert.is(all.status, 200);
  assert.ok(all.body.revoked >= 1);
  assert.is((await withToken(second.token)).status, 401);
  assert.is((await withToken(third.token)).status, 200, 'the one used stays');
  assert.equal((await s.api('GET', '/sessions', undefined, third.token)).body.map((c: { id: string }) => c.id), [third.id]);
});

test("other people's sessions: a tenant admin manages her users' only; another tenant's admin gets the answer of a missing one", async () => {
  const alice = await login(ALICE);
  const admin = await login(ADMIN);
  const gus = await login(GUS);
  const bob = await login(BOB);
  // The tenant admin sees and ends Alice's sessions.
  const hers = await s.api('GET', `/sessions?user=${ALICE}`, undefined, admin.token);
  assert.is(hers.status, 200);
  assert.ok(hers.body.some((c: { id: string }) => c.id === alice.id));
  // Globex's admin: same answer for Acme's user, her session id, and things that do not exist.
  const probes = [
    await s.api('GET', `/sessions?user=${ALICE}`, undefined, gus.token),
    await s.api('GET', `/sessions?user=0199999999`, undefined, gus.token),
    await s.api('DELETE', `/sessions?user=${ALICE}`, undefined, gus.token),
  ];
  for (const p of probes) assert.is(p.status, 404);
  assert.is(probes[0]!.body.error.code, probes[1]!.body.error.code);
  const idProbe = await s.api('GET', `/sessions/${alice.id}`, undefined, gus.token);
  const noneProbe = await s.api('GET', '/sessions/ses_00000000-0000-0000-0000-000000000000', undefined, gus.token);
  assert.is(idProbe.status, 404);
  assert.is(noneProbe.status, 404);
  assert.is(idProbe.body.error.code, noneProbe.body.error.code);
  assert.not.ok(JSON.stringify(idProbe.body).includes(ALICE), "the message does not name Acme's user");
  assert.is((await s.api('DELETE', `/sessions/${alice.id}`, undefined, gus.token)).status, 404);
  assert.is((await withToken(alice.token)).status, 200, 'still working after the attempts');
  // A plain user cannot manage a colleague's.
  assert.is((await s.api('GET', `/sessions?user=${ALICE}`, undefined, bob.token)).status, 404);
  assert.is((await s.api('DELETE', `/sessions/${alice.id}`, undefined, bob.token)).status, 404);
  // The admin ends Alice's sessions; the operator sees everyone's.
  assert.is((await s.api('DELETE', `/sessions?user=${ALICE}`, undefined, admin.token)).status, 200);
  assert.is((await withToken(alice.token)).status, 401);
  const everyone = await s.api('GET', '/sessions?all=true');
  assert.is(everyone.status, 200);
  assert.ok(everyone.body.some((c: { principal: string }) => c.principal === `user:${GUS}`));
  assert.is((await s.api('GET', '/sessions?all=true', undefined, admin.token)).status, 404, 'tenant admins do not list the installation');
});

test('sessions expire when idle and at their absolute limit, tokens at theirs; expired ones are refused and purged', async () => {
  const auth = s.app.auth;
  const realNow = auth.now;
  try {
    const a = await login(ALICE);
    const t0 = Date.now();
    const { idleMinutes, maxHours } = auth.policy;
    // Used within the idle limit, it stays alive; past it, it is refused.
    auth.now = () => t0 + (idleMinutes - 1) * 60_000;
    assert.is((await withToken(a.token)).status, 200, 'used before the idle limit');
    auth.now = () => t0 + (2 * idleMinutes - 2) * 60_000;
    assert.is((await withToken(a.token)).status, 200, 'the idle limit slides with use');
    auth.now = () => t0 + (3 * idleMinutes) * 60_000;
    assert.is((await withToken(a.token)).status, 401, 'idle too long');
    assert.is((await withCookie(a.cookie)).status, 401);

    // Absolute limit: used every few minutes, it still ends maxHours after the login.
    auth.now = () => t0;
    const b = await login(ALICE);
    for (let m = 0; m < maxHours * 60; m += Math.max(1, idleMinutes - 5)) {
      auth.now = () => t0 + m * 60_000;
      if ((await withToken(b.token)).status !== 200) assert.unreachable(`refused at ${m} min`);
    }
    auth.now = () => t0 + maxHours * 3_600_000 + 1000;
    assert.is((await withToken(b.token)).status, 401, `ended ${maxHours} h after the login`);

    // Long-lived API tokens: days, then refused.
    auth.now = () => t0;
    const { token } = await auth.issueToken('user', ALICE, 'script', { days: 2 });
    auth.now = () => t0 + 86_400_000;
    assert.is((await withToken(token)).status, 200);
    auth.now = () => t0 + 2 * 86_400_000 + 1000;
    assert.is((await withToken(token)).status, 401);

    // Purge: rows past their end leave the table.
    auth.now = () => t0;
    const c = await login(BOB);
    auth.now = () => t0 + (maxHours + 1) * 3_600_000;
    const before = (await s.app.store.credentials.list()).length;
    const purged = await auth.purgeExpired();
    assert.ok(purged >= 1, `purged ${purged}`);
    assert.is((await s.app.store.credentials.get(c.id)), undefined);
    assert.ok((await s.app.store.credentials.list()).length <= before - 1);
    assert.ok(await s.app.store.credentials.findByToken('x') === undefined);
  } finally {
    auth.now = realNow;
  }
});

test('a user changing her e-mail must give her password; an admin editing someone else does not', async () => {
  const a = await login(ALICE);
  const noPw = await s.api('PATCH', `/users/${ALICE}`, { email: 'attacker@evil.example' }, a.token);
  assert.is(noPw.status, 422);
  assert.is(noPw.body.error.field ?? noPw.body.error.fields?.[0]?.field ?? 'currentPassword', 'currentPassword');
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { email: 'attacker@evil.example', currentPassword: 'guess-1' }, a.token)).status, 422);
  assert.is((await s.api('GET', `/users/${ALICE}`, undefined, a.token)).body.email ?? null, null, 'unchanged');
  const ok = await s.api('PATCH', `/users/${ALICE}`, { email: 'alice@acme.example', currentPassword: pw(ALICE) }, a.token);
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  assert.is(ok.body.email, 'alice@acme.example');
  // The same address again needs nothing (nothing changes).
  assert.is((await s.api('PATCH', `/users/${ALICE}`, { email: 'alice@acme.example' }, a.token)).status, 200);
  const admin = await login(ADMIN);
  assert.is((await s.api('PATCH', `/users/${BOB}`, { email: 'bob@acme.example' }, admin.token)).status, 200);

  // The cockpit: the admin's own licence asks for her current password; another licence does not.
  const web = new WebClient(s.adminUrl);
  assert.is((await web.login(ADMIN, pw(ADMIN))).status, 303);
  const own = await web.get(`/tenants/acme/users/${ADMIN}`);
  assert.match(own.html, 'name="currentPassword"');
  const refused = await web.post(`/tenants/acme/users/${ADMIN}`, { name: 'Chloé Admin', email: 'taken-over@evil.example', role: 'admin' });
  assert.is(refused.status, 422);
  assert.ok(fieldError(refused.html, 'currentPassword'), 'said next to the current-password field');
  assert.is((await s.api('GET', `/users/${ADMIN}`)).body.email ?? null, null, 'unchanged');
  await web.get(`/tenants/acme/users/${ADMIN}`);
  const done = await web.post(`/tenants/acme/users/${ADMIN}`, { name: 'Chloé Admin', email: 'chloe@acme.example', role: 'admin', currentPassword: pw(ADMIN) });
  assert.is(done.status, 303);
  assert.is((await s.api('GET', `/users/${ADMIN}`)).body.email, 'chloe@acme.example');
  await web.get(`/tenants/acme/users/${BOB}`);
  assert.not.match((await web.get(`/tenants/acme/users/${BOB}`)).html, 'name="currentPassword"');
});

test.run();
