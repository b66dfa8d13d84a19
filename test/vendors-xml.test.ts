// The directory files' XML writer (vendors/common/xml.ts) against xmlbuilder2, the library it
// replaces on that path for speed: the same bytes for the same tree, hostile values included,
// and every document parses back to the values given.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { create } from 'xmlbuilder2';
import { writtenAt, xmlDocument, type XmlElement, type XmlWritten } from '../vendors/common/xml.ts';
import { xmlBuilderValue } from '../vendors/common/escape.ts';
import { findAll, parseXml, textOf } from './fixtures/xml.ts';

/** Values that break naive writers: every special character, references real and fake, Unicode. */
const NASTY = ['', ' ', 'Émilie Dupré', 'Tom & Jerry', 'a &amp; b', '&bogus;', '&#65;', '&#x41;', '<b>x</b>', '"quoted" \'single\'', ']]>', '>', 'x\ty\nz\r', '日本語 🎧', '\u0000nul', '&', '&&;'];

/** A seeded pseudo-random sequence (the same trees every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function tree(r: () => number, depth: number): XmlElement {
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const name = pick(['item', 'Unit', 'contact', 'fn', 'numbers', 'x']);
  const attrs: Record<string, string> = {};
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) attrs[`a${i}`] = xmlBuilderValue(pick(NASTY));
  const e: XmlElement = { name, ...(n ? { attrs } : {}) };
  const kind = r();
  if (depth > 0 && kind < 0.5) return { ...e, children: Array.from({ length: Math.floor(r() * 4) }, () => tree(r, depth - 1)) };
  if (kind < 0.85) return { ...e, text: xmlBuilderValue(pick(NASTY)) };
  return e;
}

function withXmlbuilder2(root: XmlElement, decl: { encoding: string; standalone?: boolean }): string {
  const doc = create({ version: '1.0', encoding: decl.encoding, ...(decl.standalone ? { standalone: true } : {}) });
  const add = (parent: ReturnType<typeof create>, e: XmlElement) => {
    const el = parent.ele(e.name, e.attrs ? { ...e.attrs } : undefined);
    if (e.text !== undefined) el.txt(e.text);
    for (const c of e.children ?? []) add(el, c as XmlElement);
  };
  add(doc, root);
  return doc.end({ prettyPrint: true });
}

test('the same bytes as xmlbuilder2 on 500 random trees of hostile values', () => {
  const r = rng(20261201);
  for (let i = 0; i < 500; i++) {
    const root = tree(r, 3);
    const decl = i % 2 ? { encoding: 'UTF-8', standalone: true } : { encoding: i % 3 ? 'UTF-8' : 'utf-8' };
    assert.fixture(xmlDocument(root, decl), withXmlbuilder2(root, decl));
  }
});

test('an element written ahead for its depth (kept per contact) gives the same document as written in place', () => {
  const r = rng(7);
  /** The same tree with every other element below the root replaced by its written form. */
  const ahead = (e: XmlElement, depth: number): XmlElement | XmlWritten => {
    if (depth > 0 && r() < 0.5) return writtenAt(e, depth);
    return e.children ? { ...e, children: e.children.map((c) => ahead(c as XmlElement, depth + 1)) } : e;
  };
  for (let i = 0; i < 300; i++) {
    const root = tree(r, 3);
    const decl = { encoding: 'UTF-8' };
    assert.fixture(xmlDocument(ahead(root, 0) as XmlElement, decl), xmlDocument(root, decl));
  }
});

test('what was written reads back, through a strict parser: text and attribute values exact', () => {
  const values = NASTY.filter((v) => !/[\u0000\t\n\r]/.test(v));
  const root: XmlElement = { name: 'list', children: values.map((v) => ({ name: 'e', attrs: { v: xmlBuilderValue(v) }, text: xmlBuilderValue(v) })) };
  const parsed = parseXml(xmlDocument(root, { encoding: 'UTF-8' }));
  const back = findAll(parsed, 'e');
  assert.equal(back.map((e) => e.attrs['v']), values);
  assert.equal(back.map((e) => textOf(e)), values);
});

test.run();
