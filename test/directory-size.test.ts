// A phone's directory never goes past its vendor's limit (issue 16): the user's personal contacts,
// the colleagues, the shared contacts and the entries the line settings add (Snom VIP / blocked
// contacts, VVX auto-reject items and speed dials) together. The cut is deterministic — the
// blacklist and priority callers always, then personal contacts, colleagues, shared contacts in
// that order, the first that does not fit ending the list — and the device's checks say how many
// of each were left out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { vendorById } from '../vendors/index.ts';
import type { RenderContact, RenderContext } from '../vendors/types.ts';
import { HandlebarsTemplates, defaultShippedTemplatesDir } from '../vendors/common/templates.ts';
import { realisticContext, withFeatures } from './fixtures/render-context.ts';

const templates = new HandlebarsTemplates({ shippedDir: defaultShippedTemplatesDir() });

const PHONES = {
  yealink: { model: 'T54W', mac: '805ec0123401', file: '805ec0123401-contacts.xml', entry: /<Unit /g, limit: 1000 },
  snom: { model: 'D785', mac: '000413123403', file: '000413123403-phonebook.xml', entry: /<contact /g, limit: 1000 },
  polycom: { model: 'VVX450', mac: '0004f2a1b2c3', file: '0004f2a1b2c3-directory.xml', entry: /<item>/g, limit: 1000 },
} as const;

const contacts = (prefix: string, n: number, first: number): RenderContact[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, name: `${prefix} ${String(i).padStart(4, '0')}`, work: `01${String(first + i).padStart(8, '0')}` }));

/** 990 personal contacts, 20 colleagues, 20 shared ones, 100 blacklisted and 100 priority numbers nobody holds. */
function crowded(vendor: keyof typeof PHONES): RenderContext {
  const p = PHONES[vendor];
  const base = withFeatures(realisticContext(vendor, p.model, p.mac), {
    dnd: { enabled: true, allowedCallers: Array.from({ length: 100 }, (_, i) => `06${String(i).padStart(8, '0')}`) },
    forwardAlways: { enabled: false, target: null },
    rejectAnonymous: false,
    blacklist: Array.from({ length: 100 }, (_, i) => `08${String(i).padStart(8, '0')}`),
  });
  return {
    ...base,
    contacts: contacts('Perso', 990, 0),
    directory: { colleagues: contacts('Collègue', 20, 5000), shared: contacts('Partagé', 20, 6000) },
  };
}

const render = (vendor: keyof typeof PHONES, ctx: RenderContext): string => vendorById(vendor)!.render(PHONES[vendor].file, ctx, templates)!.body.toString('utf8');
const truncation = (vendor: keyof typeof PHONES, ctx: RenderContext) => vendorById(vendor)!.checkValues!(ctx).find((x) => x.code === 'vendor.directory_truncated');

for (const vendor of Object.keys(PHONES) as (keyof typeof PHONES)[]) {
  test(`${vendor}: a crowded directory stays within ${PHONES[vendor].limit} entries, personal contacts first, and the checks say what was left out`, () => {
    const ctx = crowded(vendor);
    const body = render(vendor, ctx);
    const entries = body.match(PHONES[vendor].entry)?.length ?? 0;
    assert.ok(entries <= PHONES[vendor].limit, `${entries} entries`);
    // Personal contacts are kept before any colleague or shared contact.
    assert.match(body, 'Perso 0000');
    assert.not.match(body, 'Partagé 0000');
    const found = truncation(vendor, ctx);
    assert.ok(found, 'the checks report the cut');
    const left = found!.params!;
    assert.is(left.shared, 20);
    assert.is(left.colleagues, 20 - (vendor === 'yealink' ? 10 : 0));
    assert.is(left.count, Number(left.personal) + Number(left.colleagues) + Number(left.shared));
    if (vendor === 'yealink') {
      // The Yealink blacklist is a file of its own: 990 personal + 10 colleagues fill the remote book.
      assert.is(entries, 1000);
      assert.is(left.personal, 0);
    } else {
      // Snom: 200 flagged numbers no contact holds take an entry each; VVX: 100 auto-reject items and the speed dials.
      assert.ok(Number(left.personal) > 0);
      if (vendor === 'snom') {
        assert.is(entries, 1000);
        assert.is(left.personal, 990 - 800);
        assert.is((body.match(/blocked="true"/g) ?? []).length, 100);
        assert.is((body.match(/vip="true"/g) ?? []).length, 100);
      } else {
        assert.is((body.match(/<ar>1<\/ar>/g) ?? []).length, 100);
      }
    }
    // Deterministic: the same context gives the same file.
    assert.is(render(vendor, crowded(vendor)), body);
  });

  test(`${vendor}: a directory that fits reports nothing`, () => {
    const ctx = { ...crowded(vendor), contacts: contacts('Perso', 10, 0) };
    assert.is(truncation(vendor, ctx), undefined);
    const body = render(vendor, ctx);
    assert.match(body, 'Partagé 0019');
    assert.match(body, 'Collègue 0019');
  });
}

test.run();
