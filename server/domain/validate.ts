import type { z } from 'zod';
import { invalidAll, type ErrorDetail } from './errors.ts';
import type { MessageParams } from './messages.ts';

/** A catalogue key, as our refinements give it in place of zod's message (`validation.port`). */
const KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

type Issue = z.core.$ZodIssue;

/** What every issue can add to its message's parameters. */
function paramsOf(i: Issue): MessageParams {
  const p: MessageParams = {};
  const x = i as unknown as Record<string, unknown>;
  if (typeof x.minimum === 'number' || typeof x.minimum === 'bigint') p.min = Number(x.minimum);
  if (typeof x.maximum === 'number' || typeof x.maximum === 'bigint') p.max = Number(x.maximum);
  if (Array.isArray(x.values)) p.values = x.values.map((v) => String(v)).join(', ');
  if (Array.isArray(x.keys)) p.fields = x.keys.map((v) => String(v)).join(', ');
  if (x.params && typeof x.params === 'object') {
    for (const [k, v] of Object.entries(x.params as Record<string, unknown>)) if (typeof v === 'string' || typeof v === 'number') p[k] = v;
  }
  return p;
}

/** What zod expected → the catalogue's message. */
const TYPE_KEYS: Record<string, string> = {
  string: 'validation.type_text', number: 'validation.type_number', int: 'validation.integer',
  boolean: 'validation.type_boolean', object: 'validation.type_object', array: 'validation.type_list',
};

/** zod's generic codes → the catalogue's generic messages (the field is named beside them). */
function genericKey(i: Issue): string {
  switch (i.code) {
    case 'invalid_type':
      if (/received undefined/.test(i.message)) return 'validation.required';
      return TYPE_KEYS[i.expected] ?? 'validation.invalid';
    case 'too_small':
      if (i.origin === 'string') return Number(i.minimum) <= 1 ? 'validation.empty' : 'validation.too_short';
      if (i.origin === 'array' || i.origin === 'set') return 'validation.too_few';
      return 'validation.too_small';
    case 'too_big':
      if (i.origin === 'string') return 'validation.too_long';
      if (i.origin === 'array' || i.origin === 'set') return 'validation.too_many';
      return 'validation.too_big';
    case 'unrecognized_keys':
      return 'validation.unknown_fields';
    case 'invalid_value':
      return 'validation.choice';
    case 'invalid_format':
      return 'validation.format';
    case 'not_multiple_of':
      return 'validation.integer';
    default:
      return 'validation.invalid';
  }
}

/** One zod issue as a detail: its refinement's own key, or the generic one of its code. */
export function issueDetail(i: Issue, prefix = ''): ErrorDetail {
  const field = [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)';
  // A record key that failed its own schema: the inner issue says why.
  const inner = i.code === 'invalid_key' ? i.issues[0] : undefined;
  const source = inner && KEY.test(inner.message) ? inner : i;
  const key = KEY.test(source.message) ? source.message : genericKey(i);
  const params = { ...paramsOf(i), ...(source !== i ? paramsOf(source) : {}) };
  const code = i.code === 'custom' ? (i.params as { code?: unknown } | undefined)?.code : undefined;
  return { field, key, ...(Object.keys(params).length ? { params } : {}), ...(typeof code === 'string' ? { code } : {}) };
}

/** Parse `input` with `schema`; on failure a DomainError lists each offending field by its path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw invalidAll(r.error.issues.map((i) => issueDetail(i, prefix)));
}
