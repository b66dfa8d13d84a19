// Operator template overrides stored in the database: the API (operators only, validated), the
// phone files follow at once, removal goes back to the shipped template, and override files left
// in the data directory by an older cadran are imported once at start.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppContext } from '../server/app.ts';
import { silentLogger } from '../server/log.ts';
import { testConfig } from './helpers/server.ts';
import { PHONES, get, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';

let ps: PhoneServer;
test.before(async () => {
  ps = await startPhoneServer();
});
test.after(async () => {
  await ps.close();
});

const MAC_FILE = `/${PHONES.yealink.mac}.cfg`;
const OVERRIDE = '#!version:1.0.0.1\n## operator override for {{mac}}\naccount.1.enable = {{account.enable}}\n';

test('PUT stores an override; the phone gets it at once; DELETE goes back to the shipped template', async () => {
  const before = (await get(ps.httpPort, MAC_FILE)).body.toString();
  assert.ok(before.includes('## cadran: settings of Yealink'));
  const put = await ps.s.api('PUT', '/templates/yealink/mac.cfg.hbs', { source: OVERRIDE });
  assert.is(put.status, 200, JSON.stringify(put.body));
  assert.is(put.body.source, OVERRIDE);
  assert.match(put.body.updatedAt, /^\d{4}-\d\d-\d\dT/);
  const after = (await get(ps.httpPort, MAC_FILE)).body.toString();
  assert.ok(after.includes(`## operator override for ${PHONES.yealink.mac}`), after);
  const list = await ps.s.api('GET', '/templates');
  assert.equal(list.body.map((o: { vendor: string; name: string }) => `${o.vendor}/${o.name}`), ['yealink/mac.cfg.hbs']);
  assert.is((await ps.s.api('GET', '/templates/yealink/mac.cfg.hbs')).body.source, OVERRIDE);

  assert.is((await ps.s.api('DELETE', '/templates/yealink/mac.cfg.hbs')).status, 204);
  assert.is((await ps.s.api('DELETE', '/templates/yealink/mac.cfg.hbs')).status, 404);
  const back = await get(ps.httpPort, MAC_FILE);
  assert.is(back.body.toString(), before);
});

test('refused: not an operator, no such shipped template, no source, a template that does not parse', async () => {
  assert.is((await ps.s.api('PUT', '/templates/yealink/mac.cfg.hbs', { source: OVERRIDE }, null)).status, 401);
  const login = await ps.s.api('POST', '/sessions', { login: '0100000001', password: 'pw-0100000001' }, null);
  const admin = login.body.token as string;
  assert.is((await ps.s.api('PUT', '/templates/yealink/mac.cfg.hbs', { source: OVERRIDE }, admin)).status, 403, 'a tenant admin is not an operator');
  assert.is((await ps.s.api('GET', '/templates', undefined, admin)).status, 403);
  assert.is((await ps.s.api('PUT', '/templates/yealink/nope.cfg.hbs', { source: OVERRIDE })).status, 404);
  assert.is((await ps.s.api('PUT', '/templates/..%2f..%2fetc/passwd', { source: OVERRIDE })).status, 404);
  const none = await ps.s.api('PUT', '/templates/yealink/mac.cfg.hbs', {});
  assert.is(none.status, 422);
  assert.is(none.body.error.details[0].field, 'source');
  const broken = await ps.s.api('PUT', '/templates/yealink/mac.cfg.hbs', { source: '{{#if x}}never closed' });
  assert.is(broken.status, 422);
  assert.is(broken.body.error.details[0].key, 'validation.template_invalid');
  const huge = await ps.s.api('PUT', '/templates/yealink/mac.cfg.hbs', { source: 'x'.repeat(256 * 1024 + 1) });
  assert.is(huge.status, 422);
  assert.equal((await ps.s.api('GET', '/templates')).body, [], 'nothing stored');
});

test('override files of the data directory are imported once at start; the database then wins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cadran-tpl-'));
  try {
    mkdirSync(join(dir, 'templates', 'yealink'), { recursive: true });
    mkdirSync(join(dir, 'templates', 'nosuchvendor'), { recursive: true });
    writeFileSync(join(dir, 'templates', 'yealink', 'mac.cfg.hbs'), OVERRIDE);
    writeFileSync(join(dir, 'templates', 'yealink', 'common.cfg.hbs'), '{{#each}}broken');
    writeFileSync(join(dir, 'templates', 'yealink', 'unknown.cfg.hbs'), 'x');
    writeFileSync(join(dir, 'templates', 'nosuchvendor', 'mac.cfg.hbs'), 'x');
    const first = await createAppContext(testConfig(dir), silentLogger);
    try {
      const stored = await first.store.templateOverrides.list();
      assert.equal(stored.map((o) => [o.vendor, o.name, o.source]), [['yealink', 'mac.cfg.hbs', OVERRIDE]]);
      assert.ok(first.templates.render('yealink', 'mac.cfg.hbs', { mac: 'abc', account: { enable: 1 } }).includes('override for abc'));
    } finally {
      await first.store.close();
    }
    writeFileSync(join(dir, 'templates', 'yealink', 'mac.cfg.hbs'), 'changed on disk {{mac}}');
    const second = await createAppContext(testConfig(dir), silentLogger);
    try {
      assert.is((await second.store.templateOverrides.get('yealink', 'mac.cfg.hbs'))!.source, OVERRIDE, 'the database wins');
    } finally {
      await second.store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
