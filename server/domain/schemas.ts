// Input shapes of every resource, validated with zod. Unknown fields are refused (`strict`) so a
// typo in a field name is an error, not a silently ignored value. Refinements name their problem
// by a catalogue key (`validation.…`, with parameters where the text needs numbers); zod's own
// generic problems (too short, wrong type, unknown field…) get generic keys in validate.ts.
import { z } from 'zod';
import { displayText, hostName, refinePrintable } from './text.ts';
import { dialable, userNumber } from './numbers.ts';
import { isValidTimezone } from '../../vendors/common/timezone.ts';
import { CODEC_NAMES, LOCALE_TAGS } from '../../vendors/common/locale.ts';
import { digitMapProblem, MAX_DIGIT_MAP_LENGTH } from '../../vendors/common/digitmap.ts';
import { MAX_VENDOR_PARAMETERS, MAX_PARAMETER_NAME_LENGTH, MAX_PARAMETER_VALUE_LENGTH } from '../../vendors/common/parameters.ts';
import { vendorById, vendors } from '../../vendors/index.ts';

export const tenantId = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]{2,40}$/, 'validation.tenant_id');

/** A whole number from min to max, said as such ("1 to 4094") whichever bound is crossed. */
const range = (min: number, max: number) =>
  z
    .number()
    .int()
    .refine((v) => v >= min && v <= max, { message: 'validation.range', params: { min, max } });

/** Printable ASCII without spaces, min to max characters (phone and SIP passwords, logins). */
const asciiToken = (min: number, max: number) =>
  z.string().refine((v) => v.length >= min && v.length <= max && /^[\x21-\x7e]*$/.test(v), { message: 'validation.ascii_token', params: { min, max } });

export const sipTransport = z.enum(['udp', 'tcp', 'tls']);
const port = range(1, 65535);
const secret = (min: number, max: number) => z.string().min(min).max(max).superRefine(refinePrintable);

export const cidr = z
  .string()
  .trim()
  .regex(/^([0-9]{1,3}(\.[0-9]{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/, 'validation.cidr');

const authMode = z.enum(['none', 'basic', 'digest']);
const authUsername = z.string().trim().pipe(asciiToken(1, 64));
const allowlist = z.array(cidr).max(200);

/** Hours a new (or re-enrolled) device may fetch its files once without credentials. */
export const ENROLMENT_DEFAULT_HOURS = 24;
const enrolment = z
  .object({
    windowHours: range(1, 720),
    /** Only from these addresses (the customer's site); any address when absent. */
    allowlist: allowlist.optional(),
  })
  .strict();

export const provisioningSecurity = z
  .object({
    allowlist: allowlist.optional(),
    auth: z
      .object({
        mode: authMode,
        username: authUsername.optional(),
        password: secret(8, 128).optional(),
        perDevice: z.boolean().optional(),
      })
      .strict()
      .optional(),
    urlToken: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'validation.url_token').nullable().optional(),
    /**
     * Adopt before serve: each device has its own generated credentials; during its enrolment
     * window it may fetch its files once without them (those files carry them), then never again.
     */
    enrolment: enrolment.optional(),
  })
  .strict();

/**
 * A PATCH of `security`: only the named fields change, an explicit null clears one (`auth`,
 * `allowlist`, `urlToken`, `enrolment`, or a field inside `auth` / `enrolment`).
 */
export const provisioningSecurityPatch = z
  .object({
    allowlist: allowlist.nullable().optional(),
    auth: z
      .object({
        mode: authMode.optional(),
        username: authUsername.nullable().optional(),
        password: secret(8, 128).nullable().optional(),
        perDevice: z.boolean().nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
    urlToken: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'validation.url_token').nullable().optional(),
    enrolment: z
      .object({ windowHours: enrolment.shape.windowHours.optional(), allowlist: allowlist.nullable().optional() })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

/**
 * What a tenant created without `security` gets (secure by default): per-device credentials,
 * Digest, and a 24 h enrolment window for each new device.
 */
export function adoptBeforeServe(windowHours = ENROLMENT_DEFAULT_HOURS): ProvisioningSecurity {
  return { auth: { mode: 'digest', perDevice: true }, enrolment: { windowHours } };
}

/** Whether a tenant's devices are adopted before they are served (enrolment + credentials). */
export function adoptsBeforeServe(sec: ProvisioningSecurity): boolean {
  return sec.enrolment !== undefined && sec.auth !== undefined && sec.auth.mode !== 'none';
}

/** `patch` applied to `cur` field by field (null clears); the result is validated as a whole. */
export function mergeSecurity(cur: ProvisioningSecurity, patch: z.infer<typeof provisioningSecurityPatch>): unknown {
  const out: Record<string, unknown> = { ...cur };
  const mergeObject = (base: Record<string, unknown> | undefined, p: Record<string, unknown>) => {
    const o: Record<string, unknown> = { ...(base ?? {}) };
    for (const [k, v] of Object.entries(p)) {
      if (v === undefined) continue;
      if (v === null) delete o[k];
      else o[k] = v;
    }
    return o;
  };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (k === 'auth' || k === 'enrolment') out[k] = mergeObject(out[k] as Record<string, unknown> | undefined, v as Record<string, unknown>);
    else out[k] = v;
  }
  if (out.urlToken === null) delete out.urlToken;
  return out;
}

export const tenantCreate = z
  .object({
    id: tenantId,
    name: displayText(100),
    sipDomain: hostName,
    sipProxy: hostName.nullable().optional(),
    sipPort: port.optional(),
    sipTransport: sipTransport.optional(),
    security: provisioningSecurity.optional(),
  })
  .strict();
export const tenantPatch = tenantCreate.omit({ id: true, security: true }).partial().extend({ security: provisioningSecurityPatch.optional() }).strict();

export const role = z.enum(['user', 'admin']);
export const userPassword = secret(8, 200);

export const userCreate = z
  .object({
    number: userNumber,
    name: displayText(64),
    email: z.email('validation.email').max(254).nullable().optional(),
    role: role.default('user'),
    password: userPassword.optional(),
    sipAuthName: z.string().trim().regex(/^[A-Za-z0-9._~+-]{1,64}$/, 'validation.sip_auth_name').optional(),
    sipPassword: asciiToken(4, 64).optional(),
    voicemailNumber: z.string().trim().regex(/^[0-9*#+]{1,16}$/, 'validation.voicemail').optional(),
    /** Left out of the company directory of the tenant's phones. */
    directoryHidden: z.boolean().optional(),
    /** Id of a key template of the tenant (null: none). */
    keyTemplate: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  })
  .strict();
// `role` has a default on creation only: a PATCH without it must not reset it.
// `currentPassword`: needed when people change their own password or e-mail (checked by the service).
export const userPatch = userCreate
  .omit({ number: true })
  .extend({ role: role.optional(), currentPassword: z.string().min(1).max(500).optional() })
  .partial()
  .strict();

export const modelName = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase().replace(/[\s_-]/g, ''))
  .pipe(z.string().regex(/^[A-Z0-9]{2,16}$/, 'validation.model_name'));

/** The most extra lines any model takes (its SIP accounts less the user's own). */
const MAX_EXTRA_LINES = Math.max(...vendors.flatMap((v) => v.models.map((m) => m.sipAccounts))) - 1;

/**
 * A device group label (`pilot`, `accueil 2e étage`): letters, digits, space, `.`, `_`, `-`, 1–40
 * characters, starting with a letter or digit. Rollouts and bulk edits select phones by it.
 */
export const groupLabel = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,39}$/u, 'validation.group_label');

/** The version string a phone reports in its User-Agent (`96.86.0.100`, `6.4.3.5018`, `10.1.54.13`). */
export const firmwareVersion = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/, 'validation.firmware_version');
export const firmwareImageUrl = z.url({ protocol: /^(https?|tftp|ftp)$/, error: 'validation.firmware_url' }).max(1000);

export const firmwareTarget = z
  .object({ model: modelName, url: firmwareImageUrl, version: firmwareVersion, group: groupLabel.optional() })
  .strict();

/** At most one target per (model, group) in a level. */
export const firmwareTargets = z
  .array(firmwareTarget)
  .max(500)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((t, i) => {
      const k = `${t.model}\u0000${t.group ?? ''}`;
      if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, 'model'], message: 'validation.firmware_target_twice' });
      seen.add(k);
    });
  });

export const deviceCreate = z
  .object({
    mac: z.string(),
    model: modelName,
    tenant: tenantId,
    user: userNumber.nullable().optional(),
    label: displayText(64).nullable().optional(),
    expansionModules: range(0, 6).optional(),
    /** More licences of the tenant the phone registers (accounts 2…n); the model's limit is checked
     *  by the service (server/service/devices.ts). */
    extraLines: z.array(userNumber).max(MAX_EXTRA_LINES).optional(),
    provisioningUsername: asciiToken(1, 64).nullable().optional(),
    provisioningPassword: secret(8, 128).nullable().optional(),
    /** Device group label (rollouts, bulk edits); null or absent: none. */
    group: groupLabel.nullable().optional(),
  })
  .strict();
export const devicePatch = deviceCreate.omit({ mac: true }).partial().strict();

export const keyInput = z
  .object({
    position: range(1, 999),
    type: z.enum(['line', 'blf', 'speeddial']),
    value: z.string().trim().max(64).nullable().optional(),
    label: displayText(32).nullable().optional(),
  })
  .strict();
export const keyList = z.array(keyInput).max(500);

/** What a key template is meant for: a vendor id (`yealink`) or a model (`T54W`); null: any phone. */
export const templateFamily = z
  .string()
  .trim()
  .max(32)
  .refine(
    (v) => vendorById(v.toLowerCase()) !== undefined || vendors.some((x) => x.models.some((m) => m.model === v.toUpperCase().replace(/[\s_-]/g, ''))),
    { message: 'validation.template_family' },
  )
  .transform((v) => (vendorById(v.toLowerCase()) ? v.toLowerCase() : v.toUpperCase().replace(/[\s_-]/g, '')));

export const keyTemplateCreate = z
  .object({
    name: displayText(64),
    family: templateFamily.nullable().optional(),
    keys: keyList,
  })
  .strict();
/** A change may name the version it was made from (409 when the template changed meanwhile; If-Match: 412). */
export const keyTemplatePatch = keyTemplateCreate.partial().extend({ version: z.number().int().positive().optional() }).strict();

/** A feature code of the platform dialled by the phone: digits, `*` and `#` (`*8`, `**`, `*8#`). */
const featureCode = z.string().trim().regex(/^[0-9*#]{1,16}$/, 'validation.feature_code');

const phonePassword = asciiToken(4, 64);

/**
 * Raw vendor settings, `{"<vendor>": {"<name>": "<value>"}}`: each name and value is checked by its
 * vendor's grammar (vendors/<vendor>/parameters.ts); a refusal names the parameter and carries the
 * vendor's stable code.
 */
export const vendorParameters = z
  .record(
    z.string().refine((v) => vendorById(v) !== undefined, { message: 'validation.vendor', params: { values: vendors.map((v) => v.id).join(', ') } }),
    z.record(z.string().max(MAX_PARAMETER_NAME_LENGTH), z.string().max(MAX_PARAMETER_VALUE_LENGTH)),
  )
  .superRefine((all, ctx) => {
    for (const [vendorId, params] of Object.entries(all)) {
      const vendor = vendorById(vendorId);
      if (!vendor) continue;
      const entries = Object.entries(params);
      if (entries.length > MAX_VENDOR_PARAMETERS) {
        ctx.addIssue({ code: 'custom', path: [vendorId], message: 'check.vendor_parameter.too_many', params: { code: 'vendor_parameter.too_many', max: MAX_VENDOR_PARAMETERS } });
      }
      for (const [name, value] of entries) {
        const p = vendor.parameters.check(name, value);
        if (p) ctx.addIssue({ code: 'custom', path: [vendorId, name], message: `check.${p.code}`, params: { code: p.code, vendor: p.vendor, name: p.name } });
      }
    }
  });

export const networkProfile = z
  .object({
    vlanId: range(1, 4094).nullable(),
    vlanPriority: range(0, 7).nullable(),
    ntpServers: z.array(hostName).max(4),
    timezone: z
      .string()
      .refine((v) => isValidTimezone(v), 'validation.timezone')
      .nullable(),
    dnsServers: z.array(hostName).max(4),
    syslogServer: hostName.nullable(),
    dscpSip: range(0, 63).nullable(),
    dscpRtp: range(0, 63).nullable(),
    adminPassword: asciiToken(4, 64).nullable(),
    resyncIntervalMinutes: range(5, 43200).nullable(),
    firmware: z.record(modelName, firmwareImageUrl),
    firmwareTargets: firmwareTargets.nullable(),
    locale: z.enum(LOCALE_TAGS).nullable(),
    featureCodes: z.object({ directedPickup: featureCode.nullable(), groupPickup: featureCode.nullable() }).partial().strict().nullable(),
    digitMap: z
      .string()
      .max(MAX_DIGIT_MAP_LENGTH)
      .superRefine((v, ctx) => {
        if (digitMapProblem(v)) ctx.addIssue({ code: 'custom', message: 'validation.digit_map' });
      })
      .nullable(),
    codecs: z
      .array(z.enum(CODEC_NAMES))
      .min(1)
      .max(CODEC_NAMES.length)
      .refine((a) => new Set(a).size === a.length, 'validation.codec_twice')
      .nullable(),
    registrationExpirySeconds: range(60, 86400).nullable(),
    phoneUserPassword: phonePassword.nullable(),
    vendorParameters: vendorParameters.nullable(),
  })
  .partial()
  .strict();

export const contactInput = z
  .object({
    name: displayText(80),
    work: dialable.nullable().optional(),
    mobile: dialable.nullable().optional(),
    home: dialable.nullable().optional(),
    group: displayText(40).nullable().optional(),
  })
  .strict()
  .refine((c) => c.work || c.mobile || c.home, { message: 'validation.contact_number', path: ['work'] });

export type ProvisioningSecurity = z.infer<typeof provisioningSecurity>;

/** Parse with a schema; on failure throw a DomainError naming every offending field. */
export { parseInput } from './validate.ts';
