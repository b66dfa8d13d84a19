import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, seedTwoTenants, type TestServer } from './helpers/server.ts';

const t = suite('API validation');
let s: TestServer;
let tok: Record<string, string>;
t.before(async () => {
  s = await startTestServer();
  tok = await seedTwoTenants(s);
});
t.after(async () => s.close());

/** An error answer: its status, stable code and key, a message, details that each carry a key,
 *  params and message; `field` is named by a detail, with `key` when given. */
function isError(r: { status: number; body: any }, status: number, field?: string, key?: string) {
  assert.is(r.status, status, JSON.stringify(r.body));
  assert.type(r.body.error.code, 'string');
  assert.match(r.body.error.key, /^[a-z_]+(\.[a-z0-9_]+)+$/);
  assert.type(r.body.error.params, 'object');
  assert.type(r.body.error.message, 'string');
  assert.ok(Array.isArray(r.body.error.details));
  for (const d of r.body.error.details) {
    assert.match(d.key, /^[a-z_]+(\.[a-z0-9_]+)+$/);
    assert.type(d.message, 'string');
  }
  if (field) {
    const d = r.body.error.details.find((x: any) => x.field === field);
    assert.ok(d, `field ${field} named in ${JSON.stringify(r.body.error)}`);
    if (key) assert.is(d.key, key, JSON.stringify(r.body.error));
  } else if (key) assert.is(r.body.error.key, key, JSON.stringify(r.body.error));
  return r.body.error;
}
const EN = { 'accept-language': 'en' };

t('no credentials → 401, bad token → 401', async () => {
  isError(await s.api('GET', '/tenants', undefined, null), 401, undefined, 'auth.login_first');
  isError(await s.api('GET', '/tenants', undefined, 'cdr_not-a-token'), 401, undefined, 'auth.bad_token');
});

t('malformed JSON → 400, never a stack trace', async () => {
  const r = await s.api('POST', '/tenants', '{"id": "x",', undefined, { 'content-type': 'application/json' });
  isError(r, 400, undefined, 'api.bad_json');
  assert.not.match(JSON.stringify(r.body), /at .*\.ts:\d+/);
});

t('tenant id must be a slug', async () => {
  isError(await s.api('POST', '/tenants', { id: 'Bad Id!', name: 'x', sipDomain: 'sip.x.example' }), 422, 'id', 'validation.tenant_id');
  const dup = isError(await s.api('POST', '/tenants', { id: 'acme', name: 'x', sipDomain: 'sip.x.example' }), 409, 'id', 'conflict.tenant_exists');
  assert.is(dup.message, 'id : le parc « acme » existe déjà');
});

t('unknown fields are refused', async () => {
  const r = await s.api('POST', '/tenants', { id: 'newco', name: 'x', sipDomain: 'sip.x.example', colour: 'blue' });
  isError(r, 422, '(body)', 'validation.unknown_fields');
  assert.equal(r.body.error.params, { fields: 'colour' });
  assert.is(r.body.error.message, 'champ(s) inconnu(s) : colour');
  const en = await s.api('POST', '/tenants', { id: 'newco', name: 'x', sipDomain: 'sip.x.example', colour: 'blue' }, undefined, EN);
  assert.is(en.body.error.message, 'unknown field(s): colour');
});

t('user number must be 10 digits and unique', async () => {
  const nine = isError(await s.api('POST', '/tenants/acme/users', { number: '012345678', name: 'Nine', role: 'user' }), 422, 'number', 'validation.user_number');
  assert.is(nine.message, 'number : doit comporter exactement 10 chiffres, par exemple 0145678901');
  const nineEn = isError(await s.api('POST', '/tenants/acme/users', { number: '012345678', name: 'Nine', role: 'user' }, undefined, EN), 422, 'number');
  assert.is(nineEn.message, 'number: must be exactly 10 digits, e.g. 0145678901');
  assert.is(nineEn.details[0].message, 'must be exactly 10 digits, e.g. 0145678901');
  isError(await s.api('POST', '/tenants/acme/users', { number: '0100000002', name: 'Dup', role: 'user' }), 409, 'number', 'conflict.user_number_taken');
  isError(await s.api('POST', '/tenants/globex/users', { number: '0100000002', name: 'Dup elsewhere', role: 'user' }), 409, 'number', 'conflict.user_number_taken');
  // Several problems: the first names the error, the count of the others follows.
  const many = isError(await s.api('POST', '/tenants/acme/users', { number: 'x', name: '', role: 'boss' }), 422, 'name', 'validation.empty');
  assert.equal(many.details.map((d: any) => [d.field, d.key]), [['number', 'validation.user_number'], ['name', 'validation.empty'], ['role', 'validation.choice']]);
  assert.equal(many.details[2].params, { values: 'user, admin' });
  assert.match(many.message, /^number : doit comporter exactement 10 chiffres.* \(et 2 autre\(s\) problème\(s\)\)$/);
});

t('a licence name with a newline is refused', async () => {
  isError(await s.api('PATCH', '/users/0100000002', { name: 'Alice\naccount.1.password = x' }), 422, 'name', 'validation.control_characters');
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
  const mac = isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34', model: 'T54W', tenant: 'acme' }, undefined, EN), 422, 'mac', 'validation.mac');
  assert.equal(mac.params, { value: '80:5e:c0:12:34' });
  assert.is(mac.message, 'mac: "80:5e:c0:12:34" is not a MAC address (12 hex digits, e.g. 80:5E:C0:D5:7D:72)');
  const model = isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34:01', model: 'T99X', tenant: 'acme' }), 422, 'model', 'validation.model_unknown');
  assert.match(model.message, /^model : modèle de téléphone inconnu « T99X » \(modèles connus : .*T54W/);
  isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34:01', model: 'T54W', tenant: 'acme', user: '0200000001' }), 422, 'user', 'validation.user_other_tenant');
  isError(await s.api('POST', '/devices', { mac: '80:5e:c0:12:34:01', model: 'T54W', tenant: 'nowhere' }), 422, 'tenant', 'validation.tenant_unknown');
});

t('device MAC in any spelling, one stored form, duplicates refused', async () => {
  const r = await s.api('POST', '/devices', { mac: '80-5E-C0-12-34-01', model: 't54w', tenant: 'acme', user: '0100000002' });
  assert.is(r.status, 201, JSON.stringify(r.body));
  assert.is(r.body.mac, '80:5e:c0:12:34:01');
  assert.is(r.body.model, 'T54W');
  assert.is(r.body.vendor, 'yealink');
  assert.is((await s.api('GET', '/devices/805EC0123401')).status, 200);
  const dup = isError(await s.api('POST', '/devices', { mac: '805ec0123401', model: 'T54W', tenant: 'globex' }), 409, 'mac', 'conflict.mac_in_tenant');
  assert.equal(dup.params, { mac: '80:5e:c0:12:34:01', tenant: 'acme' }, 'an operator is told which tenant');
});

t('keys: BLF to another tenant, duplicate position, overflow, bad speed dial', async () => {
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'blf', value: '0200000001' }]), 422, 'keys.0.value', 'validation.blf_not_colleague');
  const twice = isError(
    await s.api('PUT', '/users/0100000002/keys', [
      { position: 2, type: 'line' },
      { position: 2, type: 'speeddial', value: '0612345678' },
    ]),
    422,
    'keys.1.position',
    'validation.key_position_twice',
  );
  assert.equal(twice.details[0].params, { position: 2, first: 1, second: 2 });
  // Alice's phone is a T54W: its key count is the limit.
  const r = await s.api('PUT', '/users/0100000002/keys', [{ position: 500, type: 'line' }], undefined, EN);
  isError(r, 422, 'keys.0.position', 'validation.key_beyond_phone');
  assert.match(r.body.error.message, /^keys\.0\.position: position 500 exceeds the \d+ keys of the T54W \(80:5e:c0:12:34:01\)$/);
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'speeddial', value: 'call me' }]), 422, 'keys.0.value', 'validation.phone_number');
  const zero = isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 0, type: 'line' }]), 422, 'keys.0.position', 'validation.range');
  assert.equal(zero.details[0].params, { min: 1, max: 999 });
  isError(await s.api('PUT', '/users/0100000002/keys', [{ position: 1, type: 'blf', value: '0100000002' }]), 422, 'keys.0.value', 'validation.blf_own_line');
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
  const vlan = isError(await s.api('PUT', '/tenants/acme/network', { vlanId: 5000 }), 422, 'vlanId', 'validation.range');
  assert.is(vlan.message, 'vlanId : doit être un nombre entier de 1 à 4094');
  isError(await s.api('PUT', '/tenants/acme/network', { timezone: 'Europe/Pariss' }), 422, 'timezone', 'validation.timezone');
  isError(await s.api('PUT', '/tenants/acme/network', { dscpSip: 64 }), 422, 'dscpSip', 'validation.range');
  isError(await s.api('PUT', '/tenants/acme/network', { ntpServers: ['bad host!'] }), 422, 'ntpServers.0', 'validation.host');
  isError(await s.api('PUT', '/tenants/acme/network', { vlanId: 'ten' }), 422, 'vlanId', 'validation.type_number');
  isError(await s.api('PUT', '/tenants/acme/network', { vlanPriority: 2.5 }), 422, 'vlanPriority', 'validation.integer');
  isError(await s.api('PUT', '/tenants/acme/network', { ntpServers: ['a.example', 'b.example', 'c.example', 'd.example', 'e.example'] }), 422, 'ntpServers', 'validation.too_many');
  isError(await s.api('PUT', '/tenants/acme/network', { firmware: { 'not a model!': 'http://x/y' } }), 422, 'firmware.not a model!', 'validation.model_name');
  isError(await s.api('PUT', '/tenants/acme/network', { firmware: { T54W: 'gopher://x/y' } }), 422, 'firmware.T54W', 'validation.firmware_url');
  const ok = await s.api('PUT', '/tenants/acme/network', { vlanId: 20, timezone: 'Europe/Paris', ntpServers: ['ntp.acme.example'] });
  assert.is(ok.status, 200, JSON.stringify(ok.body));
  const dev = await s.api('PUT', '/devices/805ec0123401/network', { vlanId: 30 });
  assert.is(dev.status, 200);
  const eff = await s.api('GET', '/devices/805ec0123401/network');
  // The effective profile includes the installation level (its locale defaults to fr-FR).
  assert.equal(eff.body.effective, { locale: 'fr-FR', vlanId: 30, timezone: 'Europe/Paris', ntpServers: ['ntp.acme.example'] });
});

t('contacts: a number is required and must be a number', async () => {
  // Contacts are their user's own (issue 17): Alice writes them.
  isError(await s.api('POST', '/users/0100000002/contacts', { name: 'Nobody' }, tok['0100000002']), 422, 'work', 'validation.contact_number');
  isError(await s.api('POST', '/users/0100000002/contacts', { name: 'Bad', mobile: 'not a number' }, tok['0100000002']), 422, 'mobile', 'validation.phone_number');
  isError(await s.api('POST', '/users/0100000002/contacts', { mobile: '0612345678' }, tok['0100000002']), 422, 'name', 'validation.required');
  const r = await s.api('POST', '/users/0100000002/contacts', { name: 'Élodie Lefèvre', mobile: '06 98 76 54 32' }, tok['0100000002']);
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
  const e = isError(await s.api('GET', '/nothing-here'), 404, undefined, 'not_found.route');
  assert.equal(e.params, { method: 'GET', path: '/nothing-here' });
});

t('the language of messages: Accept-Language, French unless English is preferred', async () => {
  const message = async (h?: string) => {
    const r = await s.api('POST', '/tenants/acme/users', { number: '1', name: 'X' }, undefined, h === undefined ? {} : { 'accept-language': h });
    return [r.headers.get('content-language'), r.body.error.message];
  };
  const fr = ['fr', 'number : doit comporter exactement 10 chiffres, par exemple 0145678901'];
  const en = ['en', 'number: must be exactly 10 digits, e.g. 0145678901'];
  assert.equal(await message(), fr);
  assert.equal(await message('en-US,en;q=0.9'), en);
  assert.equal(await message('de-DE, en;q=0.5'), en);
  assert.equal(await message('en;q=0.4, fr;q=0.8'), fr);
  assert.equal(await message('de, es'), fr);
  assert.equal(await message('*'), fr);
  assert.equal(await message('en;q=0'), fr);
  assert.equal(await message('garbage;;;q=x'), fr);
});

t.run();
