// Text that ends up in phone files must be representable in every vendor's format: no control
// characters (a newline would add a key to a `key = value` file), valid Unicode, bounded length.
import { z } from 'zod';

// C0 and C1 controls, DEL, and lone surrogates cannot be carried safely by any phone format.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export function textProblem(value: string): string | null {
  if (FORBIDDEN.test(value)) return 'must not contain control characters or line breaks';
  if (!value.isWellFormed()) return 'is not valid Unicode text';
  return null;
}

/** A zod refinement reporting `textProblem` on the field. */
export function refinePrintable(v: string, ctx: z.RefinementCtx): void {
  const p = textProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
}

/** A zod schema for a display text (name, label): trimmed, 1..max characters, printable. */
export const displayText = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).superRefine(refinePrintable);

/** A host name or IP address (v4 or v6), optionally with nothing else. */
export const hostName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(253)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/, 'must be a host name or an IP address');
