// The one interface between cadran's core and the vendor modules. Vendors import only this file
// (and their own helpers); the core never names a vendor. Everything here is plain data: a
// vendor renders from a RenderContext and never touches the database.

export type SipTransport = 'udp' | 'tcp' | 'tls';
export type KeyType = 'line' | 'blf' | 'speeddial';

/** `language-REGION` tags cadran renders for every vendor (vendors/common/locale.ts holds the table). */
export type LocaleTag = 'fr-FR' | 'fr-BE' | 'fr-CH' | 'en-GB' | 'en-US' | 'de-DE' | 'es-ES' | 'it-IT' | 'nl-NL';

/** Audio codecs (and the RFC 4733 DTMF payload) a profile may order; each vendor writes those it has. */
export type CodecName = 'PCMA' | 'PCMU' | 'G722' | 'G729' | 'OPUS' | 'telephone-event';

/** Feature codes of the platform (the softswitch), dialled by the phone. */
export interface FeatureCodes {
  /** Directed call pickup prefix dialled before a colleague's number (BLF keys), e.g. `*8`. */
  directedPickup?: string;
  /** Group call pickup code, e.g. `*8#` (only where a vendor has a place for it). */
  groupPickup?: string;
}

/** One phone model of a vendor, as the vendor's documentation describes it. */
export interface ModelInfo {
  /** Upper case, no spaces: `T54W`, `VVX450`, `D785`. */
  model: string;
  /** Programmable line / function keys on the phone itself (all pages). */
  lineKeys: number;
  /** SIP accounts (registrations) the phone supports. */
  sipAccounts: number;
  /**
   * Keys the phone's screen shows at once, when its own programmable keys are split into pages
   * (`lineKeys` over ceil(lineKeys / keysPerPage) pages, in position order). Absent: one page, or
   * not known from a source — the cockpit then draws the keys as one page.
   */
  keysPerPage?: number;
  /** Expansion modules that can be attached, if any. */
  expansion?: { modules: number; keysPerModule: number };
  /** Free text the renderer or an operator should know (page count, notes). */
  notes?: string;
}

export interface RenderKey {
  /** 1-based position, as stored. */
  position: number;
  type: KeyType;
  /**
   * `blf`: the supervised user's number; `speeddial`: the external number; `line`: the number of
   * the account (licence) the key shows — the first account when absent or unknown.
   */
  value?: string;
  label?: string;
}

export interface RenderContact {
  id: string;
  name: string;
  work?: string;
  mobile?: string;
  home?: string;
  group?: string;
}

/** One SIP account (licence) registered on the phone. */
export interface RenderAccount {
  number: string;
  /** Licence name: display name and line label. */
  name: string;
  sipAuthName: string;
  sipPassword: string;
  voicemailNumber: string;
}

/** The network profile after merging tenant level and device overrides (field by field). */
export interface NetworkProfile {
  vlanId?: number;
  vlanPriority?: number;
  ntpServers?: string[];
  /** IANA name, e.g. `Europe/Paris`. */
  timezone?: string;
  dnsServers?: string[];
  syslogServer?: string;
  dscpSip?: number;
  dscpRtp?: number;
  adminPassword?: string;
  resyncIntervalMinutes?: number;
  /** model → firmware URL (Poly: an image file, or a directory the model's image is looked up in).
   *  A URL without a version: `firmwareTargets` is the rollout form (with the version phones report). */
  firmware?: Record<string, string>;
  /**
   * Firmware rollout targets of this level: per model the image URL and the version string the
   * phones report in their User-Agent once they run it; `group` scopes a target to the devices
   * carrying that group label (installation and tenant levels; a device's own target has none).
   * The core resolves one target per device (server/domain/firmware.ts) into RenderContext.firmware;
   * vendors read that, never this list.
   */
  firmwareTargets?: FirmwareTarget[];
  /** Phone language, tones, clock and date format, default digit map and codecs; `fr-FR` when absent. */
  locale?: LocaleTag;
  featureCodes?: FeatureCodes;
  /**
   * Dial plan as an RFC 3435 §2.1.5 digit map (`0[1-9]xxxxxxxx|00x.T|112`); the locale's default
   * when absent (vendors/common/digitmap.ts).
   */
  digitMap?: string;
  /** Preferred first; the locale's default when absent (A-law first except en-US). */
  codecs?: CodecName[];
  registrationExpirySeconds?: number;
  /** Password of the phone's user-level login (web UI / menu), distinct from the admin password. */
  phoneUserPassword?: string;
  /**
   * Raw vendor settings cadran does not model, per vendor id: `{yealink: {"features.dnd.enable": "1"}}`.
   * Applied last: a name cadran also writes gets the operator's value instead of cadran's.
   */
  vendorParameters?: Record<string, Record<string, string>>;
}

/** A user's line settings as the phone should carry them (numbers already normalised). */
export interface RenderFeatures {
  dnd: { enabled: boolean; allowedCallers: string[] };
  forwardAlways: { enabled: boolean; target: string | null };
  rejectAnonymous: boolean;
  blacklist: string[];
}

/** The toggles a phone reports, as the last path segment of its action URL. */
export const FEATURE_EVENTS = ['dnd-on', 'dnd-off', 'forward-on', 'forward-off'] as const;
export type FeatureEvent = (typeof FEATURE_EVENTS)[number];

/** What a vendor's phones can carry of RenderFeatures, as its documentation says. */
export interface FeatureSupport {
  /** The DND state (on/off) can be written into the phone's files. */
  dnd: boolean;
  /** Most priority callers (allowed through DND) the phone takes; 0 when it has no such list. */
  allowedCallers: number;
  /** The permanent forward state and target can be written into the phone's files. */
  forwardAlways: boolean;
  rejectAnonymous: boolean;
  /** Most blacklisted numbers the phone takes; 0 when it has no such list. */
  blacklist: number;
  /** The phone calls back (action URLs) when its user toggles DND or forward on it. */
  reportsToggles: boolean;
}

/** One firmware rollout target (see NetworkProfile.firmwareTargets). */
export interface FirmwareTarget {
  /** Upper case, no spaces: `T54W`, `VVX450`, `D785`. */
  model: string;
  url: string;
  /** As the phone reports it in its User-Agent once it runs this image (`96.86.0.100`). */
  version: string;
  group?: string;
}

export interface RenderContext {
  device: {
    /** 12 lower-case hex digits, no separators. */
    mac: string;
    vendor: string;
    model: string;
    label?: string;
  };
  tenant: {
    id: string;
    name: string;
    sipDomain: string;
    /** Outbound proxy host, when the tenant has one. */
    sipProxy?: string;
    sipPort: number;
    sipTransport: SipTransport;
  };
  /** Absent when the device is not assigned to a user: render no account, no secret. */
  user?: RenderAccount;
  /**
   * More licences of the tenant registered on the phone, accounts 2…n in this order (a licence may
   * be on several phones: a shared line). Ignored when there is no `user`.
   */
  extraLines?: RenderAccount[];
  /** Ordered by position. */
  keys: RenderKey[];
  /** The user's personal contacts (private to her phones). */
  contacts: RenderContact[];
  /** The user's line settings (DND, forward, anonymous rejection, blacklist); absent without a user. */
  features?: RenderFeatures;
  /**
   * The company directory of the tenant, beside the personal contacts: `colleagues` are the
   * tenant's licences not hidden from it (the user's own left out), `shared` the contacts the
   * tenant's admins share. Absent: none. Vendors merge it with vendors/common/directory.ts.
   */
  directory?: { colleagues: RenderContact[]; shared: RenderContact[] };
  network: NetworkProfile;
  /**
   * The firmware image this phone should run, resolved by the core (device, tenant group, tenant,
   * installation group, installation: the most specific wins). Absent: the phone keeps its
   * software. vendors/common/firmware.ts reads it (with `network.firmware` as the fallback).
   */
  firmware?: { url: string; version: string | null };
  /**
   * Absolute URL prefix, ending with `/`, under which this phone reaches cadran's phone-facing
   * files (it includes the `/p/<token>/` prefix when the tenant uses URL tokens). Used for links
   * such as the remote phonebook URL, and pinned as the phone's provisioning server so that the
   * next resync comes back here whatever DHCP says.
   */
  baseUrl: string;
  /**
   * Where the phone reports its user's DND / forward toggles (action URLs), ending with `/`: the
   * vendor appends one of FEATURE_EVENTS. Absent: the phone is not asked to report. The URL is
   * under `baseUrl` (so it carries the tenant's URL token) and is authenticated like a config fetch.
   */
  eventsUrl?: string;
  /** Provisioning credentials the phone must present, if the tenant / device requires them. */
  provisioningAuth?: { username: string; password: string };
}

/** What a phone request tells about itself. */
export interface IdentifyRequest {
  /** The requested file name, without directories or URL prefix (`805ec0123401.cfg`). */
  file: string;
  userAgent?: string;
  /** `?mac=` and friends, already URL-decoded. */
  query?: Record<string, string>;
}

export interface Identification {
  vendor: string;
  /** 12 lower-case hex digits, when the file name, User-Agent or query carried one. */
  mac?: string;
  model?: string;
  firmware?: string;
}

export interface RenderedFile {
  /** MIME type to serve it with. */
  contentType: string;
  body: Buffer;
  /** True when the file carries a secret (SIP password, admin password): never cache it publicly. */
  sensitive: boolean;
}

/** Resolves a handlebars template of a vendor: the operator's override first, then the shipped one. */
export interface TemplateSource {
  /**
   * Render `templates/<vendor>/<name>` (or the operator's `<data dir>/templates/<vendor>/<name>`).
   * Templates are compiled with `noEscape`: the vendor escapes every value for its format in code
   * before handing the data to the template.
   */
  render(vendor: string, name: string, data: unknown): string;
}

/** A problem with a stored value that the vendor's file format cannot carry. */
export interface ValueProblem {
  field: string;
  /** English text for logs and the CLI; the edges translate `code` for people. */
  message: string;
  /** Stable code (`vendor.…`) the edges translate through the catalogue, with `params`. */
  code?: string;
  params?: Record<string, string | number>;
}

/** Why a vendor parameter is refused (stable codes the edges translate, naming the parameter). */
export type VendorParameterErrorCode =
  | 'vendor_parameter.unknown_vendor'
  | 'vendor_parameter.name_invalid'
  | 'vendor_parameter.value_invalid'
  | 'vendor_parameter.too_many';

export interface VendorParameterProblem {
  code: VendorParameterErrorCode;
  vendor: string;
  /** The parameter name as given (truncated to 100 characters for display). */
  name: string;
  message: string;
}

/** The raw vendor settings (`vendorParameters`) support of one vendor, in vendors/<vendor>/parameters.ts. */
export interface VendorParameters {
  /** Null when the name fits the format's grammar and the value can be written safely. */
  check(name: string, value: string): VendorParameterProblem | null;
  /**
   * The parameters of the context (`network.vendorParameters[vendor]`) that replace a value cadran
   * writes itself in one of this phone's files, in name order.
   */
  shadows(ctx: RenderContext, templates: TemplateSource): string[];
}

export interface Vendor {
  /** Lower-case id, also the folder name under vendors/ and templates/: `yealink`. */
  id: string;
  displayName: string;
  /** Models with their documented key counts (the source is cited in each vendor's models.ts). */
  models: ModelInfo[];
  /** MAC prefixes (OUI, 6 lower-case hex digits) of this vendor's phones. */
  ouis: string[];
  /**
   * Recognise a phone request as this vendor's: by file name pattern, User-Agent or query.
   * Returns null when nothing points to this vendor.
   */
  identify(req: IdentifyRequest): Identification | null;
  /**
   * The file names a phone of this model with this MAC requests at boot, in order. Every name
   * here can be rendered with `render`.
   */
  bootFiles(mac: string, model: string): string[];
  /**
   * Render one named file, or null when this file name is not one this vendor serves.
   * `ctx` is the device's context when the phone is identified and provisioned; null when it is
   * not (a common / bootstrap file asked by an unknown phone): then render only a neutral file
   * that carries no secret and no tenant data, or return null for per-device files.
   */
  render(file: string, ctx: RenderContext | null, templates: TemplateSource): RenderedFile | null;
  /** What the phones can carry of a user's line settings (limits checked at save time). */
  features: FeatureSupport;
  /** Values of the context this vendor's files cannot represent (checked at save time). */
  checkValues?(ctx: RenderContext): ValueProblem[];
  /** Raw vendor settings: grammar of names, safety of values, what they shadow. */
  parameters: VendorParameters;
  /** SIP NOTIFY resync: the `Event` header value for a check-sync with or without reboot. */
  notifyEvent(reboot: boolean): string;
}
