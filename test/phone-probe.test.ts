// Probe protection: a client asking for many unknown MACs, or failing authentication again and
// again, is slowed and then refused (HTTP 429, TFTP error) for the configured time; known phones
// on other addresses keep being served. Evidence from TFTP (UDP: the source may be forged) only
// refuses TFTP probes from that address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { tftpGet, TftpRemoteError } from './helpers/tftp-client.ts';
import { PHONES, configFile, get, startPhoneServer, type PhoneServer } from './phone-fixtures.ts';

let ps: PhoneServer;
const LIMIT = 6;

test.before(async () => {
  ps = await startPhoneServer({ CADRAN_CONFIG: configFile({ probe: { unknownPerMinute: LIMIT, blockSeconds: 120 } }) });
});
test.after(async () => {
  await ps.close();
});

test('many unknown MACs from one address: slowed, then 429 with Retry-After', async () => {
  const from = '127.0.0.5';
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT + 3; i++) {
    const mac = `805ec0aa00${String(i).padStart(2, '0')}`;
    statuses.push((await get(ps.httpPort, `/${mac}.cfg`, { from })).status);
  }
  assert.equal(statuses.slice(0, LIMIT), Array(LIMIT).fill(404));
  assert.is(statuses.at(-1), 429, statuses.join(','));
  const blocked = await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { from });
  assert.is(blocked.status, 429, 'even a known MAC from the blocked address');
  const retry = Number(blocked.headers['retry-after']);
  assert.ok(retry > 60 && retry <= 120, String(retry));
});

test('the same unknown MAC asked again and again is a phone waiting, not a probe', async () => {
  const from = '127.0.0.6';
  for (let i = 0; i < LIMIT * 3; i++) {
    assert.is((await get(ps.httpPort, '/805ec0bb0001.cfg', { from })).status, 404);
  }
});

test('a known phone on another address is still served', async () => {
  const r = await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { from: '127.0.0.7' });
  assert.is(r.status, 200);
});

test('repeated failed authentication blocks the address', async () => {
  await ps.s.api('PATCH', '/tenants/globex', { security: { auth: { mode: 'basic', username: 'globex-prov', password: 'globex-secret-1' } } });
  const from = '127.0.0.8';
  const path = `/${PHONES.snom.mac.toUpperCase()}.xml`;
  const bad = { authorization: `Basic ${Buffer.from('globex-prov:guess').toString('base64')}` };
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT + 2; i++) statuses.push((await get(ps.httpPort, path, { from, headers: bad })).status);
  assert.is(statuses[0], 401);
  assert.is(statuses.at(-1), 429, statuses.join(','));
  const good = { authorization: `Basic ${Buffer.from('globex-prov:globex-secret-1').toString('base64')}` };
  assert.is((await get(ps.httpPort, path, { from, headers: good })).status, 429, 'blocked even with the right password');
  assert.is((await get(ps.httpPort, path, { from: '127.0.0.9', headers: good })).status, 200, 'another address is not affected');
  await ps.s.api('PUT', '/tenants/globex/security', {});
});

test('TFTP probes are refused too, but UDP evidence (forgeable) never blocks HTTP or a provisioned phone', async () => {
  const codes: Array<number | 'ok'> = [];
  for (let i = 0; i < LIMIT + 2; i++) {
    try {
      await tftpGet({ host: '127.0.0.1', port: ps.tftpPort, file: `805ec0cc00${String(i).padStart(2, '0')}.cfg`, retransmitMs: 1500, retries: 2, bindAddress: '127.0.0.11' });
      codes.push('ok');
    } catch (e) {
      if (!(e instanceof TftpRemoteError)) throw e;
      codes.push(e.code);
    }
  }
  assert.is(codes[0], 1, 'file not found first');
  assert.is(codes.at(-1), 2, `then access violation: ${codes.join(',')}`);
  // The source of a datagram can be forged: HTTP from that address and its phones are not affected.
  assert.is((await get(ps.httpPort, `/${PHONES.yealink.mac}.cfg`, { from: '127.0.0.11' })).status, 200);
  const own = await tftpGet({ host: '127.0.0.1', port: ps.tftpPort, file: `${PHONES.yealink.mac}.cfg`, retransmitMs: 1500, retries: 2, bindAddress: '127.0.0.11' });
  assert.ok(own.data.length > 0, 'a provisioned phone still gets its own file over TFTP');
});

test.run();
