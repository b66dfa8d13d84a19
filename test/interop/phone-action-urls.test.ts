// Issue 15's "both ways", with a real HTTP client: curl fetches the phone's file like the phone,
// then calls the action URL written in it exactly as written (curl sends the URL's user-info as
// Basic credentials, as a Yealink does) and the stored Do Not Disturb flips; the next file agrees.
// The same URL without the credentials, or under another phone's MAC, changes nothing.
// Debian package: curl.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { PHONES, startPhoneServer, type PhoneServer } from '../phone-fixtures.ts';

let ps: PhoneServer;
const Y = PHONES.yealink; // acme, 0100000002
const S = PHONES.snom; // globex, 0200000002
const TOKEN = 'acmeToken_0123456789abcdef';

function curl(args: string[]): Promise<{ code: number; status: number; body: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      const cut = stdout.lastIndexOf('\n');
      resolve({ code, status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut), stderr });
    });
  });
}

const value = (cfg: string, key: string): string | undefined => new RegExp(`^${key.replace(/\./g, '\\.')} = (.*)$`, 'm').exec(cfg)?.[1];
const dnd = async (user: string): Promise<boolean> => (await ps.s.api('GET', `/users/${user}/features`)).body.dnd.enabled;

test.before(async () => {
  ps = await startPhoneServer();
  const security = { auth: { mode: 'basic', username: 'acme-prov', password: 'acme-prov-secret-1' }, urlToken: TOKEN };
  assert.is((await ps.s.api('PATCH', '/tenants/acme', { security })).status, 200);
  // Line settings saved in cadran: the files carry them, and the action URLs.
  assert.is((await ps.s.api('PUT', `/users/${Y.user}/features`, { dnd: { enabled: false } })).status, 200);
  assert.is((await ps.s.api('PUT', `/users/${S.user}/features`, { dnd: { enabled: false } })).status, 200);
});
test.after(async () => ps?.close());

test('curl is installed', async () => {
  const r = await curl(['--version']);
  assert.is(r.code, 0, 'curl not found: apt-get install curl');
});

test('Yealink: curl plays action_url.dnd_on as written (credentials in the URL) and the stored DND flips; dnd_off back', async () => {
  const file = `http://127.0.0.1:${ps.httpPort}/p/${TOKEN}/${Y.mac}.cfg`;
  const cfg = await curl(['-u', 'acme-prov:acme-prov-secret-1', file]);
  assert.is(cfg.status, 200, cfg.stderr);
  const on = value(cfg.body, 'action_url.dnd_on');
  const off = value(cfg.body, 'action_url.dnd_off');
  assert.ok(on && off, 'the file carries the DND action URLs');
  assert.match(on!, `/p/${TOKEN}/events/${Y.mac}/dnd-on`);
  // The phone's own provisioning credentials (every device has generated ones since issue 12).
  const own = (await ps.s.app.store.devices.get(Y.mac))!.provisioningUsername!;
  assert.ok(on!.startsWith(`http://${encodeURIComponent(own)}:`) && /@127\.0\.0\.1:/.test(on!), on);
  assert.is(await dnd(Y.user), false);
  const played = await curl([on!]);
  assert.is(played.status, 200, `${played.body} ${played.stderr}`);
  assert.is(await dnd(Y.user), true, 'stored DND on');
  const again = await curl(['-u', 'acme-prov:acme-prov-secret-1', file]);
  assert.is(value(again.body, 'account.1.dnd.enable'), '1', 'the next file agrees');
  assert.is((await curl([off!])).status, 200);
  assert.is(await dnd(Y.user), false, 'stored DND off');
});

test('the same URL without its credentials, or naming another phone, changes nothing', async () => {
  const cfg = await curl(['-u', 'acme-prov:acme-prov-secret-1', `http://127.0.0.1:${ps.httpPort}/p/${TOKEN}/${Y.mac}.cfg`]);
  const on = new URL(value(cfg.body, 'action_url.dnd_on')!);
  const bare = `http://127.0.0.1:${ps.httpPort}${on.pathname}`;
  const refused = await curl([bare]);
  assert.ok(refused.status === 401 || refused.status === 403 || refused.status === 404, String(refused.status));
  assert.is(await dnd(Y.user), false);
  // The acme credentials and token on the globex Snom's MAC: not that phone's URL.
  const other = await curl(['-u', 'acme-prov:acme-prov-secret-1', `http://127.0.0.1:${ps.httpPort}/p/${TOKEN}/events/${S.mac}/dnd-on`]);
  assert.ok(other.status >= 400, String(other.status));
  assert.is(await dnd(S.user), false);
});

test('Snom: curl plays action_dnd_on_url from the settings file and the stored DND flips', async () => {
  const settings = await curl([`http://127.0.0.1:${ps.httpPort}/${S.mac.toUpperCase()}.xml`, '-A', S.ua]);
  assert.is(settings.status, 200, settings.stderr);
  const url = /<action_dnd_on_url perm="R">([^<]+)<\/action_dnd_on_url>/.exec(settings.body)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(url, 'the settings carry action_dnd_on_url');
  const played = await curl([url!, '-A', S.ua]);
  assert.is(played.status, 200, `${played.body} ${played.stderr}`);
  assert.is(await dnd(S.user), true);
});

test.run();
