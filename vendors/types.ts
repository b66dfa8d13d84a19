// The one interface between cadran's core and the vendor modules. Vendors import only this file
// (and their own helpers); the core never names a vendor. Everything here is plain data: a
// vendor renders from a RenderContext and never touches the database.

export type SipTransport = 'udp' | 'tcp' | 'tls';
export type KeyType = 'line' | 'blf' | 'speeddial';

/** One phone model of a vendor, as the vendor's documentation describes it. */
export interface ModelInfo {
  /** Upper case, no spaces: `T54W`, `VVX450`, `D785`. */
  model: string;
  /** Programmable line / function keys on the phone itself (all pages). */
  lineKeys: number;
  /** SIP accounts (registrations) the phone supports. */
  sipAccounts: number;
  /** Expansion modules that can be attached, if any. */
  expansion?: { modules: number; keysPerModule: number };
  /** Free text the renderer or an operator should know (page count, notes). */
  notes?: string;
}

export interface RenderKey {
  /** 1-based position, as stored. */
  position: number;
  type: KeyType;
  /** `blf`: the supervised user's number; `speeddial`: the external number; `line`: unused. */
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
  /** model → firmware URL */
  firmware?: Record<string, string>;
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
  user?: {
    number: string;
    /** Licence name: display name and line label. */
    name: string;
    sipAuthName: string;
    sipPassword: string;
    voicemailNumber: string;
  };
  /** Ordered by position. */
  keys: RenderKey[];
  contacts: RenderContact[];
  network: NetworkProfile;
  /**
   * Absolute URL prefix, ending with `/`, under which this phone reaches cadran's phone-facing
   * files (it includes the `/p/<token>/` prefix when the tenant uses URL tokens). Used for links
   * such as the remote phonebook URL.
   */
  baseUrl: string;
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
  message: string;
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
  /** Values of the context this vendor's files cannot represent (checked at save time). */
  checkValues?(ctx: RenderContext): ValueProblem[];
  /** SIP NOTIFY resync: the `Event` header value for a check-sync with or without reboot. */
  notifyEvent(reboot: boolean): string;
}
