import type { z } from 'zod';
import { DomainError, type ErrorDetail } from './errors.ts';

/** Parse `input` with `schema`; on failure a DomainError lists each offending field by its path. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details: ErrorDetail[] = r.error.issues.map((i) => {
    const field = [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)';
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    else if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = 'is required';
    const code = i.code === 'custom' ? (i.params as { code?: unknown } | undefined)?.code : undefined;
    return typeof code === 'string' ? { field, message, code } : { field, message };
  });
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw new DomainError('validation_failed', `${first.field}: ${first.message}${more}`, details);
}
