// Text that ends up in phone files must be representable in every vendor's format: no control
// characters (a newline would add a key to a `key = value` file), valid Unicode, bounded length.
import { z } from 'zod';

// C0 and C1 controls, DEL, and lone surrogates cannot be carried safely by any phone format.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** The catalogue key of what makes `value` unfit for a phone file, or null. */
export function textProblem(value: string): string | null {
  if (FORBIDDEN.test(value)) return 'validation.control_characters';
  if (!value.isWellFormed()) return 'validation.not_unicode';
  return null;
}

/** A zod refinement reporting `textProblem` on the field. */
export function refinePrintable(v: string, ctx: z.RefinementCtx): void {
  const p = textProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
}

/** A zod schema for a display text (name, label): trimmed, 1..max characters, printable. */
export const displayText = (max: number) =>
  z.string().trim().min(1, 'validation.empty').max(max, 'validation.too_long').superRefine(refinePrintable);

/** A host name or IP address (v4 or v6), optionally with nothing else. */
export const hostName = z
  .string()
  .trim()
  .min(1, 'validation.empty')
  .max(253, 'validation.too_long')
  .regex(/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:]*:[0-9a-fA-F:.]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$/, 'validation.host');
