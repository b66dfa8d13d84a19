// The boot-storm hot path: once a phone's device entry and rendered file are in memory, serve()
// answers synchronously (the return value is not a promise) and reads nothing from the store; a
// change makes the next request read and render again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../server/store/sqlite/store.ts';
import type { Store } from '../server/store/types.ts';
import { ChangeFeed } from '../server/service/changes.ts';
import { createPhoneService, type PhoneRequest } from '../server/provision/provider.ts';
import { Guard } from '../server/provision/guard.ts';
import { ActivityRecorder } from '../server/provision/activity.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { silentLogger } from '../server/log.ts';

const dir = mkdtempSync(join(tmpdir(), 'cadran-hot-'));
const MAC = '805ec0000001';
const UA = 'Yealink SIP-T54W 96.86.0.100 80:5e:c0:00:00:01';

/** The store, with every repository call counted. */
function counted(store: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  const wrap = <T extends object>(name: string, repo: T): T =>
    new Proxy(repo, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        return typeof v === 'function' ? (...args: unknown[]) => (calls.push(`${name}.${String(key)}`), v.apply(target, args)) : v;
      },
    });
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      return v && typeof v === 'object' ? wrap(String(key), v) : typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { store: proxy, calls };
}

async function world() {
  const raw = new SqliteStore({ file: join(dir, `${Math.random().toString(36).slice(2)}.sqlite`) });
  await raw.tenants.insert({ id: 'acme', name: 'Acme', sipDomain: 'sip.acme.example', sipProxy: null, sipPort: 5060, sipTransport: 'udp', security: {} });
  await raw.users.insert({ number: '0100000002', tenantId: 'acme', name: 'Alice', email: null, role: 'user', passwordHash: null, sipAuthName: 'alice', sipPassword: 'secret-sip-pw', voicemailNumber: '123' });
  await raw.devices.insert({ mac: MAC, tenantId: 'acme', vendor: 'yealink', model: 'T54W', userNumber: '0100000002', label: null, expansionModules: 0, extraLines: [], provisioningUsername: null, provisioningPassword: null });
  const { store, calls } = counted(raw);
  const changes = new ChangeFeed();
  const activity = new ActivityRecorder(() => {});
  const service = createPhoneService({
    store,
    templates: new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() }),
    changes,
    config: { publicUrl: null, httpPort: 8080 },
    guard: new Guard({ unknownPerMinute: 30, blockSeconds: 600 }),
    activity,
    digestSecret: randomBytes(32),
    log: silentLogger,
  });
  return { raw, service, changes, calls, close: async () => { service.close(); await activity.stop(); await raw.close(); } };
}

const request = (file: string): PhoneRequest => ({ file, remoteAddress: '127.0.0.1', protocol: 'http', userAgent: UA, method: 'GET', uri: `/${file}` });

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('a cached device file is answered without awaiting and without a store read', async () => {
  const w = await world();
  try {
    const first = w.service.serve(request(`${MAC}.cfg`));
    assert.instance(first, Promise, 'first request: the device and its file come from the store');
    const a = await first;
    assert.is(a.status, 200);
    assert.ok(w.calls.length > 0);
    w.calls.length = 0;
    const hit = w.service.serve(request(`${MAC}.cfg`));
    assert.not.instance(hit, Promise, 'a cached file is a plain answer');
    assert.is((hit as Exclude<typeof hit, Promise<unknown>>).status, 200);
    if (!(hit instanceof Promise) && hit.status === 200 && a.status === 200) assert.is(hit.body, a.body, 'the same cached bytes');
    assert.equal(w.calls, [], 'no store call on a hit');
  } finally {
    await w.close();
  }
});

test('a file shared by every phone of a vendor is answered synchronously once rendered', async () => {
  const w = await world();
  try {
    const first = await w.service.serve(request('y000000000108.cfg'));
    assert.is(first.status, 200);
    const hit = w.service.serve(request('y000000000108.cfg'));
    assert.not.instance(hit, Promise);
  } finally {
    await w.close();
  }
});

test('a change to the device makes the next request read the store and render again', async () => {
  const w = await world();
  try {
    await w.service.serve(request(`${MAC}.cfg`));
    await w.raw.users.update('0100000002', { name: 'Alice Martin', email: null, role: 'user', passwordHash: null, sipAuthName: 'alice', sipPassword: 'new-sip-password', voicemailNumber: '123' });
    assert.not.instance(w.service.serve(request(`${MAC}.cfg`)), Promise, 'no change announced yet: still the cached file');
    w.changes.devicesChanged([MAC], 'user changed');
    const next = w.service.serve(request(`${MAC}.cfg`));
    assert.instance(next, Promise);
    const a = await next;
    assert.is(a.status, 200);
    if (a.status === 200) assert.match(a.body.toString(), 'new-sip-password');
    assert.not.instance(w.service.serve(request(`${MAC}.cfg`)), Promise, 'cached again');
  } finally {
    await w.close();
  }
});

test('many requests for a file not cached yet share one render', async () => {
  const w = await world();
  try {
    const answers = await Promise.all(Array.from({ length: 20 }, () => w.service.serve(request(`${MAC}.cfg`))));
    assert.ok(answers.every((x) => x.status === 200));
    assert.is(w.calls.filter((c) => c === 'keys.list').length, 1, 'the file was rendered once');
  } finally {
    await w.close();
  }
});

test.run();
