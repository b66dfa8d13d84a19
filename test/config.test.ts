// Configuration: environment values are checked like the config file; a bad one stops
// `cadran serve` with a one-line message naming the variable (never a NaN rate, never a default).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../server/config.ts';
import { installationProfile } from '../server/domain/profile.ts';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cadran-config-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const env = (vars: Record<string, string>) => ({ CADRAN_DATA_DIR: dir, ...vars });

function refused(vars: Record<string, string>): string {
  try {
    loadConfig(env(vars));
  } catch (e) {
    assert.instance(e, ConfigError);
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(vars)} to be refused`);
}

test('numbers, rates and levels from the environment are parsed and checked', () => {
  const c = loadConfig(env({ CADRAN_RESYNC_RATE: '5', CADRAN_RESYNC_GLOBAL_RATE: '50.5', CADRAN_PHONE_WORKERS: '4', CADRAN_HTTP_PORT: ' 8088 ', CADRAN_LOG_LEVEL: 'warn' }));
  assert.equal([c.sip.ratePerTenant, c.sip.globalRate, c.phoneWorkers, c.httpPort, c.logLevel], [5, 50.5, 4, 8088, 'warn']);
  const d = loadConfig(env({ CADRAN_RESYNC_RATE: '', CADRAN_HTTP_PORT: '' }));
  assert.equal([d.sip.ratePerTenant, d.sip.globalRate, d.httpPort, d.databaseUrl], [20, 200, 8080, null], 'empty means unset');
});

test('a bad value is refused with the variable named, whatever the variable', () => {
  assert.match(refused({ CADRAN_RESYNC_GLOBAL_RATE: 'fast' }), /^CADRAN_RESYNC_GLOBAL_RATE="fast" is not a number of NOTIFYs per second/);
  assert.match(refused({ CADRAN_RESYNC_RATE: '0' }), /^CADRAN_RESYNC_RATE="0" must be more than 0/);
  assert.match(refused({ CADRAN_RESYNC_RATE: '-3' }), /^CADRAN_RESYNC_RATE="-3"/);
  assert.match(refused({ CADRAN_RESYNC_RATE: 'Infinity' }), /^CADRAN_RESYNC_RATE=/);
  assert.match(refused({ CADRAN_PHONE_WORKERS: 'many' }), /^CADRAN_PHONE_WORKERS="many" is not a number of processes/);
  assert.match(refused({ CADRAN_PHONE_WORKERS: '0' }), /^CADRAN_PHONE_WORKERS=/);
  assert.match(refused({ CADRAN_HTTP_PORT: '80a' }), /^CADRAN_HTTP_PORT="80a" is not a port number/);
  assert.match(refused({ CADRAN_SIP_PORT: '70000' }), /^CADRAN_SIP_PORT=/);
  assert.match(refused({ CADRAN_LOG_LEVEL: 'loud' }), /^CADRAN_LOG_LEVEL="loud" is not a log level/);
  assert.match(refused({ CADRAN_PUBLIC_URL: 'not a url' }), /^CADRAN_PUBLIC_URL=/);
  assert.match(refused({ CADRAN_DATABASE_URL: 'mysql://x' }), /^CADRAN_DATABASE_URL="mysql:\/\/x" is not a postgres:\/\/ URL/);
  for (const m of [refused({ CADRAN_RESYNC_RATE: 'x'.repeat(500) })]) assert.ok(m.length < 200 && !m.includes('\n'), 'one short line');
});

test('the config file is checked too, and the environment wins over it', () => {
  const file = join(dir, 'cadran.json');
  writeFileSync(file, JSON.stringify({ sip: { globalRate: 'fast' } }));
  assert.throws(() => loadConfig(env({ CADRAN_CONFIG: file })), /sip\.globalRate/);
  writeFileSync(file, JSON.stringify({ sip: { globalRate: 40 }, phoneWorkers: 2 }));
  const c = loadConfig(env({ CADRAN_CONFIG: file, CADRAN_PHONE_WORKERS: '3' }));
  assert.equal([c.sip.globalRate, c.phoneWorkers], [40, 3]);
});

test('probe.trustedNetworks: addresses and CIDR ranges from the file, none by default, a bad one refused naming it', () => {
  const file = join(dir, 'probe.json');
  assert.equal(loadConfig(env({})).probe.trustedNetworks, []);
  writeFileSync(file, JSON.stringify({ probe: { trustedNetworks: ['192.0.2.0/24', '203.0.113.7', '2001:db8::/32'] } }));
  assert.equal(loadConfig(env({ CADRAN_CONFIG: file })).probe.trustedNetworks, ['192.0.2.0/24', '203.0.113.7', '2001:db8::/32']);
  writeFileSync(file, JSON.stringify({ probe: { trustedNetworks: ['the office'] } }));
  assert.throws(() => loadConfig(env({ CADRAN_CONFIG: file })), /probe\.trustedNetworks\.0/);
  for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.1/8/8', '300.1.1.1']) {
    writeFileSync(file, JSON.stringify({ probe: { trustedNetworks: [bad] } }));
    assert.throws(() => loadConfig(env({ CADRAN_CONFIG: file })), /probe\.trustedNetworks\.0/, bad);
  }
});

test('installation defaults of the phone profile: file `defaults`, CADRAN_DEFAULT_LOCALE over it, fr-FR without either', () => {
  const profile = (vars: Record<string, string>) => installationProfile(loadConfig(env(vars)));
  assert.equal(profile({}), { locale: 'fr-FR' });
  const file = join(dir, 'defaults.json');
  writeFileSync(
    file,
    JSON.stringify({ defaults: { locale: 'de-DE', codecs: ['G722', 'PCMA'], featureCodes: { directedPickup: '*8', groupPickup: null }, vendorParameters: { yealink: { 'features.dnd.enable': '0' } } } }),
  );
  assert.equal(profile({ CADRAN_CONFIG: file }), {
    locale: 'de-DE',
    codecs: ['G722', 'PCMA'],
    featureCodes: { directedPickup: '*8' },
    vendorParameters: { yealink: { 'features.dnd.enable': '0' } },
  });
  assert.is(profile({ CADRAN_CONFIG: file, CADRAN_DEFAULT_LOCALE: 'en-GB' }).locale, 'en-GB');
  assert.match(refused({ CADRAN_DEFAULT_LOCALE: 'fr' }), /^CADRAN_DEFAULT_LOCALE="fr" is not a locale/);
  // A bad `defaults` stops the start with one line naming the field (and, for a vendor parameter, its name).
  const bad = (defaults: unknown, re: RegExp) => {
    writeFileSync(file, JSON.stringify({ defaults }));
    assert.throws(() => profile({ CADRAN_CONFIG: file }), (e: Error) => e instanceof ConfigError && re.test(e.message) && !e.message.includes('\n'));
  };
  bad({ vendorParameters: { yealink: { 'bad key!': '1' } } }, /^config file: defaults\.vendorParameters\.yealink\.bad key!: /);
  bad({ locale: 'xx-XX' }, /^config file: defaults\.locale: /);
  bad({ colour: 'blue' }, /^config file: defaults: unknown field\(s\): colour/);
});

test('phone workers default to the core count; the environment or the config file lowers it', () => {
  // A data dir of its own: the one above holds a cadran.json by now.
  const own = mkdtempSync(join(tmpdir(), 'cadran-config-'));
  const env = (vars: Record<string, string>) => ({ CADRAN_DATA_DIR: own, ...vars });
  assert.is(loadConfig(env({}), { cores: 6 }).phoneWorkers, 6);
  assert.is(loadConfig(env({}), { cores: 1 }).phoneWorkers, 1, 'one core: phones in the main process');
  assert.is(loadConfig(env({}), { cores: 256 }).phoneWorkers, 64, 'bounded like the setting');
  assert.is(loadConfig(env({ CADRAN_PHONE_WORKERS: '1' }), { cores: 8 }).phoneWorkers, 1);
  const file = join(own, 'workers.json');
  writeFileSync(file, JSON.stringify({ phoneWorkers: 3 }));
  assert.is(loadConfig(env({ CADRAN_CONFIG: file }), { cores: 8 }).phoneWorkers, 3);
  assert.is(loadConfig(env({ CADRAN_CONFIG: file, CADRAN_PHONE_WORKERS: '2' }), { cores: 8 }).phoneWorkers, 2);
  // The real machine: whatever it has, within the bounds.
  const here = loadConfig(env({})).phoneWorkers;
  assert.ok(here >= 1 && here <= 64);
  rmSync(own, { recursive: true, force: true });
});

test('the metrics token: unset by default, checked, never repeated in an error', () => {
  assert.is(loadConfig(env({})).metricsToken, null);
  assert.is(loadConfig(env({ CADRAN_METRICS_TOKEN: 'abcdefghijklmnop' })).metricsToken, 'abcdefghijklmnop');
  const m = refused({ CADRAN_METRICS_TOKEN: 'short-secret' });
  assert.match(m, /^CADRAN_METRICS_TOKEN \(value not shown\) must be 16 to 256 printable characters/);
  assert.not.match(m, /short-secret/);
  assert.match(refused({ CADRAN_METRICS_TOKEN: 'has a space in the middle' }), /^CADRAN_METRICS_TOKEN/);
});

function cadran(args: string[], vars: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/cadran.js', ...args], { cwd: root, env: { ...process.env, CADRAN_LANG: 'en', ...env(vars), CADRAN_LOG_LEVEL: 'silent' }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

test('cadran serve with CADRAN_RESYNC_GLOBAL_RATE=fast exits 1 with one line naming it, before opening anything', async () => {
  const r = await cadran(['serve'], { CADRAN_RESYNC_GLOBAL_RATE: 'fast', CADRAN_ADMIN_PORT: '0', CADRAN_HTTP_PORT: '0', CADRAN_TFTP_PORT: '0' });
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^cadran: CADRAN_RESYNC_GLOBAL_RATE="fast" is not a number of NOTIFYs per second/);
});

test('PostgreSQL settings: parsed and checked; without a database URL they are refused', () => {
  const c = loadConfig(env({
    CADRAN_DATABASE_URL: 'postgres://cadran:pw@db.example.net:5432/cadran',
    CADRAN_DATABASE_POOL_SIZE: '25', CADRAN_DATABASE_TLS: 'verify-ca', CADRAN_DATABASE_CA_FILE: '/etc/cadran/db-ca.pem', CADRAN_DATABASE_STATEMENT_TIMEOUT_MS: '0',
  }));
  assert.equal([c.databaseUrl, c.database], ['postgres://cadran:pw@db.example.net:5432/cadran', { poolSize: 25, tls: 'verify-ca', caFile: '/etc/cadran/db-ca.pem', statementTimeoutMs: 0 }]);
  assert.equal(loadConfig(env({ CADRAN_DATABASE_URL: 'postgresql://h/db' })).database, { poolSize: 10, tls: null, caFile: null, statementTimeoutMs: 30_000 }, 'defaults');
  const url = { CADRAN_DATABASE_URL: 'postgres://h/db' };
  assert.match(refused({ ...url, CADRAN_DATABASE_POOL_SIZE: '0' }), /^CADRAN_DATABASE_POOL_SIZE="0" is not a number of connections from 1 to 1000/);
  assert.match(refused({ ...url, CADRAN_DATABASE_POOL_SIZE: 'ten' }), /^CADRAN_DATABASE_POOL_SIZE="ten"/);
  assert.match(refused({ ...url, CADRAN_DATABASE_TLS: 'on' }), /^CADRAN_DATABASE_TLS="on" is not a TLS mode \(disable, require, verify-ca, verify-full\)/);
  assert.match(refused({ ...url, CADRAN_DATABASE_STATEMENT_TIMEOUT_MS: '30s' }), /^CADRAN_DATABASE_STATEMENT_TIMEOUT_MS="30s" is not a number of milliseconds/);
  assert.match(refused({ CADRAN_DATABASE_TLS: 'require' }), /^CADRAN_DATABASE_TLS is set but no PostgreSQL database is \(CADRAN_DATABASE_URL\)/);
  const bad = refused({ CADRAN_DATABASE_URL: 'mysql://cadran:s3cret@db/cadran' });
  assert.match(bad, /^CADRAN_DATABASE_URL="mysql:\/\/cadran:\*\*\*@db\/cadran" is not a postgres:\/\/ URL/);
  assert.not.match(bad, /s3cret/, 'the password is not repeated');
  // The same settings from the config file.
  const file = join(dir, 'db.json');
  writeFileSync(file, JSON.stringify({ database: { url: 'postgres://h/db', poolSize: 4, tls: 'require' } }));
  const f = loadConfig(env({ CADRAN_CONFIG: file, CADRAN_DATABASE_POOL_SIZE: '6' }));
  assert.equal([f.databaseUrl, f.database.poolSize, f.database.tls], ['postgres://h/db', 6, 'require']);
  writeFileSync(file, JSON.stringify({ database: { poolSize: 4 } }));
  assert.throws(() => loadConfig(env({ CADRAN_CONFIG: file })), /database is set but no PostgreSQL database is/);
  writeFileSync(file, JSON.stringify({ database: { url: 'postgres://h/db', tls: 'maybe' } }));
  assert.throws(() => loadConfig(env({ CADRAN_CONFIG: file })), /database\.tls/);
});

test('a PostgreSQL server that cannot be reached, or a bad URL parameter: one line, no password', async () => {
  const down = await cadran(['operator', 'create', 'someone'], { CADRAN_DATABASE_URL: 'postgres://cadran:s3cret@127.0.0.1:1/cadran' });
  assert.is(down.code, 1);
  assert.is(down.stderr.trim().split('\n').length, 1, down.stderr);
  assert.match(down.stderr, /^cadran: the database cannot be reached: cannot connect to PostgreSQL cadran@127\.0\.0\.1:1\/cadran: connect ECONNREFUSED/);
  assert.not.match(down.stderr, /s3cret/);
  const param = await cadran(['operator', 'create', 'someone'], { CADRAN_DATABASE_URL: 'postgres://cadran:s3cret@127.0.0.1:1/cadran?sslmode=maybe' });
  assert.is(param.code, 1);
  assert.match(param.stderr, /^cadran: CADRAN_DATABASE_URL: database URL: sslmode "maybe" is not one of/);
  assert.not.match(param.stderr, /s3cret/);
});

test.run();
