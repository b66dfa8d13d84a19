// What a vendor writes for each company contact is kept per contact (vendors/common/directory.ts
// `perContact`): the company directory's contacts are frozen and shared by every phone of a tenant
// until it changes (server/provision/company.ts). These tests hold the kept path to the bytes the
// plain path writes, for each vendor, in the cases where one phone's file differs from another's:
// a colleague flagged by this user's priority callers or blacklist, a speed dial on a colleague's
// number (VVX), several numbers, a hostile name, another language between two renders, a
// directory cut to the vendor's limit, and the phone's own licence left out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vendorById } from '../vendors/index.ts';
import type { LocaleTag, RenderContact, RenderContext } from '../vendors/types.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { realisticContext, withFeatures } from './fixtures/render-context.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });

const PHONES = {
  yealink: { model: 'T54W', mac: '805ec0123401', file: '805ec0123401-contacts.xml' },
  snom: { model: 'D785', mac: '000413123403', file: '000413123403-phonebook.xml' },
  polycom: { model: 'VVX450', mac: '0004f2a1b2c3', file: '0004f2a1b2c3-directory.xml' },
} as const;

/** Colleagues: one on a speed-dial number, one on a priority caller, one blacklisted, one with a hostile name. */
function colleagues(n: number): RenderContact[] {
  const list: RenderContact[] = [
    { id: 'u0612345678', name: 'Portable partagé', work: '0612345678' },
    { id: 'u0899123456', name: 'Bloqué Collègue', work: '0899123456' },
    { id: 'u0145000001', name: 'Tom & Jerry <R&D> "x" &amp;', work: '0145000001' },
  ];
  for (let i = 0; i < n; i++) list.push({ id: `u01460${String(i).padStart(5, '0')}`, name: `Collègue ${i} Éléonore`, work: `01460${String(i).padStart(5, '0')}` });
  return list;
}

const shared = (): RenderContact[] => [
  { id: 's1', name: 'Standard', work: '0145678900', mobile: '0611223344', home: '0388000000' },
  { id: 's2', name: 'Plombier', mobile: '+41221234567', group: 'Fournisseurs' },
];

function context(vendor: keyof typeof PHONES, frozen: boolean, opts: { locale?: LocaleTag; many?: number } = {}): RenderContext {
  const p = PHONES[vendor];
  const base = withFeatures(realisticContext(vendor, p.model, p.mac), {
    dnd: { enabled: true, allowedCallers: ['+41221234567', '0145000001'] },
    forwardAlways: { enabled: false, target: null },
    rejectAnonymous: false,
    blacklist: ['0899123456', '0899000000'],
  });
  const freeze = (list: RenderContact[]) => (frozen ? list.map((c) => Object.freeze(c)) : list);
  return {
    ...base,
    network: { ...base.network, ...(opts.locale ? { locale: opts.locale } : {}) },
    directory: { colleagues: freeze(colleagues(opts.many ?? 20)), shared: freeze(shared()) },
  };
}

const bodyOf = async (vendor: keyof typeof PHONES, ctx: RenderContext): Promise<string> => {
  const r = await vendorById(vendor)!.render(PHONES[vendor].file, ctx, templates);
  assert.ok(r, `${vendor} renders its directory`);
  return r!.body.toString('utf8');
};

for (const vendor of Object.keys(PHONES) as Array<keyof typeof PHONES>) {
  test(`${vendor}: the kept path writes the plain path's bytes, cold and warm, flagged contacts included`, async () => {
    const plain = await bodyOf(vendor, context(vendor, false));
    const ctx = context(vendor, true);
    assert.fixture(await bodyOf(vendor, ctx), plain, 'first render of frozen contacts');
    assert.fixture(await bodyOf(vendor, ctx), plain, 'second render: what was kept');
    // Another phone of the tenant, other settings, the same frozen objects: its own flags.
    const other = { ...ctx, features: { ...ctx.features!, blacklist: [], dnd: { enabled: false, allowedCallers: [] } }, keys: [] };
    assert.fixture(await bodyOf(vendor, other), await bodyOf(vendor, { ...context(vendor, false), features: other.features, keys: [] }));
    assert.fixture(await bodyOf(vendor, ctx), plain, 'and back: nothing of the other phone stays');
  });

  test(`${vendor}: another language between two renders of the same contacts, and a directory cut to the limit`, async () => {
    const ctx = context(vendor, true);
    const en: RenderContext = { ...ctx, network: { ...ctx.network, locale: 'en-US' } };
    assert.fixture(await bodyOf(vendor, en), await bodyOf(vendor, context(vendor, false, { locale: 'en-US' })));
    assert.fixture(await bodyOf(vendor, ctx), await bodyOf(vendor, context(vendor, false)));
    const big = context(vendor, true, { many: 1200 });
    const bigPlain = await bodyOf(vendor, context(vendor, false, { many: 1200 }));
    assert.fixture(await bodyOf(vendor, big), bigPlain);
    assert.fixture(await bodyOf(vendor, big), bigPlain);
    // The phone's own licence left out (server/provision/context.ts filters the shared list).
    const own = { ...big, directory: { ...big.directory!, colleagues: big.directory!.colleagues.filter((c) => c.id !== 'u0146000007') } };
    const ownPlain = await bodyOf(vendor, { ...context(vendor, false, { many: 1200 }), directory: own.directory });
    assert.fixture(await bodyOf(vendor, own), ownPlain);
    assert.not.ok(ownPlain.includes('0146000007'));
  });
}

test('the company contacts stay as they were: nothing is written onto them', async () => {
  const ctx = context('polycom', true);
  const before = JSON.stringify(ctx.directory);
  for (const vendor of Object.keys(PHONES) as Array<keyof typeof PHONES>) await bodyOf(vendor, { ...context(vendor, true), directory: ctx.directory! });
  assert.is(JSON.stringify(ctx.directory), before);
});

test.run();
