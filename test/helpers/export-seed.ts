// The phones and contacts the export tests export: labels and names a spreadsheet would mangle or
// run (separators, quotes, accents, formulas), several vendors, phones with and without a user.
import type { ImportWorld } from '../fixtures/csv/setup.ts';

export const ALICE = '0100000002';

/** Labels a spreadsheet would mangle or run: separators, quotes, accents, formulas. */
export const LABELS = ['Accueil; étage 2', 'Salle "Bleue", 1er', '=HYPERLINK("http://evil.example")', '+33 standard', '-moins', '@cmd', "'=déjà protégé", null];

export async function seedExports(w: ImportWorld): Promise<void> {
  const ok = async (p: ReturnType<typeof w.s.api>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`seed: ${r.status} ${JSON.stringify(r.body)}`);
  };
  const phones: Array<[string, string, string, string | null]> = [
    ['805ec0aa0001', 'T54W', 'acme', ALICE],
    ['805ec0aa0002', 'T46U', 'acme', null],
    ['0004f2aa0003', 'VVX450', 'acme', '0100000003'],
    ['000413aa0004', 'D785', 'acme', null],
    ['805ec0aa0005', 'T54W', 'acme', null],
    ['805ec0aa0006', 'T54W', 'acme', null],
    ['805ec0aa0007', 'T54W', 'acme', null],
    ['805ec0aa0008', 'T54W', 'acme', null],
    ['805ec0bb0001', 'T54W', 'globex', '0200000002'],
  ];
  for (const [i, [mac, model, tenant, user]] of phones.entries()) {
    const label = tenant === 'acme' ? LABELS[i] : 'Globex';
    await ok(w.s.api('POST', '/devices', { mac, model, tenant, ...(user ? { user } : {}), ...(label ? { label } : {}) }));
  }
  for (const c of [
    { name: 'Élodie Martin', mobile: '0698765432', group: 'Famille' },
    { name: '=1+1', work: '0145678901' },
    { name: 'Dr. "Who"; Jr', work: '+33 1 45 67 89 01', home: '0102030405', group: 'Médecins, urgences' },
    { name: 'Zoé', mobile: '0611223344' },
  ]) {
    await ok(w.s.api('POST', `/users/${ALICE}/contacts`, c, w.tokens[ALICE]));
  }
}

