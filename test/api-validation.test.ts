import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';

const t = suite('API validation');
let s: TestServer;
t.before(async () => {
  s = await startTestServer();
  await seedTwoTenants(s);
});
t.after(async () => s.close());

function isError(r: { status: number; body: any }, status: number, field?: string) {
  assert.is(r.status, status, JSON.stringify(r.body));
  assert.type(r.body.error.code, 'string');
  assert.type(r.body.error.message, 'string');
  assert.ok(Array.isArray(r.body.error.details));
  if (field) assert.ok(r.body.error.details.some((d: any) => d.field === field), `field ${field} named in ${JSON.stringify(r.body.error)}`);
}

t('no credentials → 401, bad token → 401', async () => {
  isError(await s.api('GET', '/tenants', undefined, null), 401);
  isError(await s.api('GET', '/tenants', undefined, 'cdr_not-a-token'), 401);
});

t('malformed JSON → 400, never a stack trace', async () => {
  const r = await s.api('POST', '/tenants', '{"id": "x",', undefined, { 'content-type': 'application/json' });
  isError(r, 400);
  assert.not.match(JSON.stringify(r.body), /at .*\.ts:\d+/);
});

t('tenant id must be a slug', async () => {
  isError(await s.api('POST', '/tenants', { id: 'Bad Id!', name: 'x', sipDomain: 'sip.x.example' }), 422, 'id');
  isError(await s.api('POST', '/tenants', { id: 'acme', name: 'x', sipDomain: 'sip.x.example' }), 409, 'id');
});

t('unknown fields are refused', async () => {
  const r = await s.api('POST', '/tenants', { id: 'newco', name: 'x', sipDomain: 'sip.x.example', colour: 'blue' });
  isError(r, 422);
  assert.match(r.body.error.message, /colour/);
});

t('user number must be 10 digits and unique', async () => {
  isError(await s.api('POST', '/tenants/acme/users', { number: '012345678', name: 'Nine', role: 'user' }), 422, 'number');
  isError(await s.api('POST', '/tenants/acme/users', { number: '0100000002', name: 'Dup', role: 'user' }), 409, 'number');
  isError(await s.api('POST', '/tenants/globex/users', { number: '0100000002', name: 'Dup elsewhere', role: 'user' }), 409, 'number');
});

t('a licence name with a newline is refused', async () => {
  isError(await s.api('PATCH', '/users/0100000002', { name: 'Alice\naccount.1.password = x' }), 422, 'name');
});

t('user defaults: sipAuthName = number, generated SIP password, voicemail 123', async () => {
  const r = await s.api('POST', '/tenants/acme/users', { number: '0100000009', name: 'Défaut', role: 'user' });
  assert.is(r.status, 201);
  assert.is(r.body.sipAuthName, '0100000009');
  assert.ok(r.body.sipPassword.length >= 16);
  assert.is(r.body.voicemailNumber, '123');
  assert.is(r.body.passwordHash, undefined);
});

t('wrong MAC, unknown model, user of another tenant', async () => {
  isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34', model: 'T54W', tenant: 'acme' }), 422, 'mac');
  isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34:01', model: 'T99X', tenant: 'acme' }), 422, 'model');
  isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34:01', model: 'T54W', tenant: 'acme', user: '0200000001' }), 422, 'user');
  isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34:01', model: 'T54W', tenant: 'nowhere' }), 422, 'tenant');
});

t('device MAC in any spelling, one stored form, duplicates refused', async () => {
  const r = await s.api('POST', '/devices', { mac: '80-5E-C0-12-34-01', model: 't54w', tenant: 'acme', user: '0100000002' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.mac, '80:5e:c0:12:34:01');
  assert.is(r.body.model, 'T54W');
  assert.is(r.body.vendor, 'yealink');
  assert.is((await s.api('GET', '/devices/805EC0123401')).status, 200);
  isError(await s.api('POST', '/devices', { mac: '805ec0123401', model: 'T54W', tenant: 'globex' }), 409, 'mac');
});

t('keys: BLF to another tenant, duplicate position, overflow, bad speed dial', async () => {
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'blf', value: '0200000001' }]), 422, 'keys.0.value');
  isError(
    await s.api('PUT', '/users/0100000002/keys', [
      { position: 2, type: 'line' },
      { position: 2, type: 'speeddial', value: '0612345678' },
    ]),
    422,
    'keys.1.position',
  );
  // Alice's phone is a T54W: its key count is the limit.
  const r = await s.api('PUT', '/users/0100000002/keys', [{ position: 500, type: 'line' }]);
  isError(r, 422, 'keys.0.position');
  assert.match(r.body.error.message, /T54W/);
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'speeddial', value: 'call me' }]), 422, 'keys.0.value');
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 0, type: 'line' }]), 422, 'keys.0.position');
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'blf', value: '0100000002' }]), 422, 'keys.0.value');
  // Nothing half-written: the key list is still empty.
  assert.equal((await s.api('GET', '/users/0100000002/keys')).body, []);
});

t('keys: a valid list replaces the whole list', async () => {
  const keys = [
    { position: 1, type: 'line', label: 'Ligne' },
    { position: 2, type: 'blf', value: '0100000003' },
    { position: 3, type: 'speeddial', value: '06 12 34 56 78', label: 'Mobile' },
  ];
  const r = await s.api('PUT', '/users/0100000002/keys', keys);
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.is(r.body[2].value, '0612345678');
  const again = await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'line' }]);
  assert.is(again.body.length, 1);
});

t('network profile: bad values are named', async () => {
  isError(await s.api('PUT', '/tenants/acme/network', { vlanId: 5000 }), 422, 'vlanId');
  isError(await s.api('PUT', '/tenants/acme/network', { timezone: 'Europe/Pariss' }), 422, 'timezone');
  isError(await s.api('PUT', '/tenants/acme/network', { dscpSip: 64 }), 422, 'dscpSip');
  isError(await s.api('PUT', '/tenants/acme/network', { ntpServers: ['bad host!'] }), 422, 'ntpServers.0');
  const ok = await s.api('PUT', '/tenants/acme/network', { vlanId: 20, timezone: 'Europe/Paris', ntpServers: ['ntp.acme.example'] });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  const dev = await s.api('PUT', '/devices/805ec0123401/network', { vlanId: 30 });
  assert.is(dev.status, 200);
  const eff = await s.api('GET', '/devices/805ec0123401/network');
  // The effective profile includes the installation level (its locale defaults to fr-FR).
  assert.equal(eff.body.effective, { locale: 'fr-FR', vlanId: 30, timezone: 'Europe/Paris', ntpServers: ['ntp.acme.example'] });
});

t('contacts: a number is required and must be a number', async () => {
  isError(await s.api('POST', '/users/0100000002/contacts', { name: 'Nobody' }), 422, 'work');
  isError(await s.api('POST', '/users/0100000002/contacts', { name: 'Bad', mobile: 'not a number' }), 422, 'mobile');
  const r = await s.api('POST', '/users/0100000002/contacts', { name: 'Élodie Lefèvre', mobile: '06 98 76 54 32' });
  assert.is(r.status, 201);
  assert.is(r.body.mobile, '0698765432');
});

t('vendor checks of a phone are listed', async () => {
  await s.api('PUT', '/tenants/acme/network', { ntpServers: ['a.example', 'b.example', 'c.example'] });
  const r = await s.api('GET', '/devices/805ec0123401/checks');
  assert.is(r.status, 200);
  assert.ok(r.body.problems.some((p: any) => p.field === 'network.ntpServers'), JSON.stringify(r.body));
});

t('unknown routes answer a JSON 404', async () => {
  isError(await s.api('GET', '/nothing-here'), 404);
});

t.run();
