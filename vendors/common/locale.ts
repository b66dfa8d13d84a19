// The locales cadran renders, with what each vendor calls them. One row per `language-REGION` tag:
// the phone's screen and web-UI language, the call-progress tones of the region, the clock and date
// conventions, and the labels of a contact's number types where a vendor shows them.
//
// Sources, per column (the short tags are those of /work/shared/vendors/*.md):
// - Yealink `lang.gui` / `lang.wui`: [WAZO] plugins/wazo_yealink/v86/common.py `_LOCALE`
//   (German, English, Spanish, French, Italian) and its base.tpl, which writes the same value to both
//   keys. `Dutch` is NOT in Wazo's table nor in a retrievable Yealink page: it follows Yealink's
//   English naming of the others and is unverified (a value the phone does not know leaves its
//   language as it was).
// - Yealink `voice.tone.country`: Yealink SIP-T5 admin guide, "Configuring Audio Features" p.597
//   (easymanua.ls/yealink/sip-t58v-a/manual?p=619): Custom, Australia, Austria, Brazil, Belgium, Chile,
//   China, Czech, Czech ETSI, Denmark, Finland, France, Germany, Great Britain, Greece, Hungary,
//   Lithuania, India, Italy, Japan, Mexico, New Zealand, Netherlands, Norway, Portugal, Spain,
//   Switzerland, Sweden, Russia, United States. Every region below has its own entry.
// - Yealink `local_time.time_format` (0 = 12 h, 1 = 24 h) and `local_time.date_format`
//   (0 WWW MMM DD, 1 DD-MMM-YY, 2 YYYY-MM-DD, 3 DD/MM/YYYY, 4 MM/DD/YY, 5 DD MMM YYYY, 6 WWW DD MMM):
//   [FPBX] app/yealink/app_config.php descriptions of yealink_time_format / yealink_date_format.
// - Poly `lcl.ml.lang`: [WAZO] plugins/wazo_polycom/common/common.py `_LOCALE` (French_France,
//   German_Germany, English_United_States, Spanish_Spain, Italian_Italy, Dutch_Netherlands; Wazo maps
//   fr_CA to French_France too, i.e. no regional French variant is used). `English_United_Kingdom`
//   is the name of Poly's UK English language pack (same `Language_Country` pattern), not in Wazo's
//   table: unverified. Poly has no provisioned web-UI language and no country-tone parameter: the
//   tones follow the phone's locale (deployment.md §1).
// - Poly `lcl.datetime.time.24HourClock` (1/0) and `lcl.datetime.date.format` (`D,dM` day before
//   month, `D,Md` month first): deployment.md §1 key names; values as written by real VVX
//   configurations (a published `local-settings.xml` with `lcl.datetime.date.format="D,Md"` and the
//   `D,dM` multilingual clock format, search id 476176849).
// - Snom `language` / `web_language`: the names of Snom's own language files
//   (wiki.snom.com Mass Deployment/Setting Files/XML/Language: Deutsch, English, English(UK), Espanol,
//   Francais, Italiano, Nederlands — the last confirmed by the gui_lang_NL.xml entry of an open-source
//   Snom provisioner, search id 45273102183). [WAZO] snom common.py `_LOCALE` agrees except for Dutch,
//   which it spells `Dutch`: we follow Snom's own file name `Nederlands` (Wazo's value is not a name of
//   Snom's list). English(UK) exists for the phone screen; the web UI gets `English` (no UK variant
//   is listed for web languages).
// - Snom `tone_scheme`: the option list of the NethVoice Snom provisioning UI (search id 9057896462):
//   AUS AUT CHN DNK FRA GER GBR IND ITA JPN MEX NLD NOR NZL ESP SWE SWI USA; Wazo uses FRA, GER, ESP,
//   ITA, NLD, USA. There is no Belgian scheme: Belgium's tones (425 Hz dial tone, ETSI ES 201 970)
//   are those of the German scheme, not of the French one (440 Hz), so fr-BE gets GER. Switzerland is
//   `SWI` (not CHE as in the time zone codes).
// - Snom `time_24_format` and `date_us_format` (on/off): service.snom.com "<phone-settings> tag"
//   example (`date_us_format` on, `time_24_format` off for the USA); NethVoice option list (24 hour =
//   on; month/day = on, day.month = off).
// - Clock and date conventions per region: CLDR (the data behind Intl): 24 h everywhere here but
//   en-US; day before month everywhere but en-US.
import type { CodecName, LocaleTag } from '../types.ts';

export interface LocaleInfo {
  tag: LocaleTag;
  /** ISO 3166 region of the tag. */
  region: string;
  clock24: boolean;
  /** Order of the numeric date. */
  dateOrder: 'DMY' | 'MDY';
  /** G.711 A-law is the region's PSTN law (μ-law in North America). */
  alaw: boolean;
  /** Labels of a contact's number kinds, in the locale's language (phone directories). */
  numberLabels: { work: string; mobile: string; home: string };
  /** Group names of the phone directory, in the locale's language: colleagues (the tenant's
   *  licences), the company's shared contacts, the user's own contacts without a group. */
  directoryGroups: { colleagues: string; company: string; personal: string };
  yealink: { gui: string; wui: string; tone: string };
  polycom: { lang: string };
  snom: { language: string; webLanguage: string; toneScheme: string };
}

const FR_LABELS = { work: 'bureau', mobile: 'mobile', home: 'domicile' };
const EN_LABELS = { work: 'work', mobile: 'mobile', home: 'home' };

export const LOCALES: Readonly<Record<LocaleTag, LocaleInfo>> = {
  'fr-FR': {
    tag: 'fr-FR',
    region: 'FR',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: FR_LABELS,
    directoryGroups: { colleagues: 'Collègues', company: 'Entreprise', personal: 'Personnel' },
    yealink: { gui: 'French', wui: 'French', tone: 'France' },
    polycom: { lang: 'French_France' },
    snom: { language: 'Francais', webLanguage: 'Francais', toneScheme: 'FRA' },
  },
  'fr-BE': {
    tag: 'fr-BE',
    region: 'BE',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: FR_LABELS,
    directoryGroups: { colleagues: 'Collègues', company: 'Entreprise', personal: 'Personnel' },
    yealink: { gui: 'French', wui: 'French', tone: 'Belgium' },
    polycom: { lang: 'French_France' },
    snom: { language: 'Francais', webLanguage: 'Francais', toneScheme: 'GER' },
  },
  'fr-CH': {
    tag: 'fr-CH',
    region: 'CH',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: FR_LABELS,
    directoryGroups: { colleagues: 'Collègues', company: 'Entreprise', personal: 'Personnel' },
    yealink: { gui: 'French', wui: 'French', tone: 'Switzerland' },
    polycom: { lang: 'French_France' },
    snom: { language: 'Francais', webLanguage: 'Francais', toneScheme: 'SWI' },
  },
  'en-GB': {
    tag: 'en-GB',
    region: 'GB',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: EN_LABELS,
    directoryGroups: { colleagues: 'Colleagues', company: 'Company', personal: 'Personal' },
    yealink: { gui: 'English', wui: 'English', tone: 'Great Britain' },
    polycom: { lang: 'English_United_Kingdom' },
    snom: { language: 'English(UK)', webLanguage: 'English', toneScheme: 'GBR' },
  },
  'en-US': {
    tag: 'en-US',
    region: 'US',
    clock24: false,
    dateOrder: 'MDY',
    alaw: false,
    numberLabels: EN_LABELS,
    directoryGroups: { colleagues: 'Colleagues', company: 'Company', personal: 'Personal' },
    yealink: { gui: 'English', wui: 'English', tone: 'United States' },
    polycom: { lang: 'English_United_States' },
    snom: { language: 'English', webLanguage: 'English', toneScheme: 'USA' },
  },
  'de-DE': {
    tag: 'de-DE',
    region: 'DE',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: { work: 'Büro', mobile: 'Mobil', home: 'Privat' },
    directoryGroups: { colleagues: 'Kollegen', company: 'Firma', personal: 'Persönlich' },
    yealink: { gui: 'German', wui: 'German', tone: 'Germany' },
    polycom: { lang: 'German_Germany' },
    snom: { language: 'Deutsch', webLanguage: 'Deutsch', toneScheme: 'GER' },
  },
  'es-ES': {
    tag: 'es-ES',
    region: 'ES',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: { work: 'trabajo', mobile: 'móvil', home: 'casa' },
    directoryGroups: { colleagues: 'Compañeros', company: 'Empresa', personal: 'Personal' },
    yealink: { gui: 'Spanish', wui: 'Spanish', tone: 'Spain' },
    polycom: { lang: 'Spanish_Spain' },
    snom: { language: 'Espanol', webLanguage: 'Espanol', toneScheme: 'ESP' },
  },
  'it-IT': {
    tag: 'it-IT',
    region: 'IT',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: { work: 'ufficio', mobile: 'cellulare', home: 'casa' },
    directoryGroups: { colleagues: 'Colleghi', company: 'Azienda', personal: 'Personale' },
    yealink: { gui: 'Italian', wui: 'Italian', tone: 'Italy' },
    polycom: { lang: 'Italian_Italy' },
    snom: { language: 'Italiano', webLanguage: 'Italiano', toneScheme: 'ITA' },
  },
  'nl-NL': {
    tag: 'nl-NL',
    region: 'NL',
    clock24: true,
    dateOrder: 'DMY',
    alaw: true,
    numberLabels: { work: 'werk', mobile: 'mobiel', home: 'thuis' },
    directoryGroups: { colleagues: 'Collega\'s', company: 'Bedrijf', personal: 'Persoonlijk' },
    yealink: { gui: 'Dutch', wui: 'Dutch', tone: 'Netherlands' },
    polycom: { lang: 'Dutch_Netherlands' },
    snom: { language: 'Nederlands', webLanguage: 'Nederlands', toneScheme: 'NLD' },
  },
};

export const LOCALE_TAGS = Object.keys(LOCALES) as LocaleTag[];

/** The locale used when neither the device, the tenant nor the installation names one. */
export const DEFAULT_LOCALE: LocaleTag = 'fr-FR';

export function isLocaleTag(v: unknown): v is LocaleTag {
  return typeof v === 'string' && Object.hasOwn(LOCALES, v);
}

/** The row of a tag, the default locale's for anything else (old data; the domain validates tags). */
export function localeInfo(tag: string | undefined): LocaleInfo {
  return tag !== undefined && isLocaleTag(tag) ? LOCALES[tag] : LOCALES[DEFAULT_LOCALE];
}

// ---- codecs -------------------------------------------------------------------------------------

export const CODEC_NAMES: readonly CodecName[] = ['PCMA', 'PCMU', 'G722', 'G729', 'OPUS', 'telephone-event'];

export function isCodecName(v: unknown): v is CodecName {
  return typeof v === 'string' && (CODEC_NAMES as readonly string[]).includes(v);
}

/**
 * Default codec order of a locale: the region's G.711 law first (A-law in Europe, μ-law in North
 * America, ITU-T G.711 §1), the other law next so that calls to the other side of the Atlantic need
 * no transcoding on the phone side, then G.722 wideband and G.729, and RFC 4733 telephone-event for
 * DTMF. This is also the order [WAZO] snom base.tpl writes (`pcma,pcmu,g722,g729,telephone-event`).
 */
export function defaultCodecs(tag: string | undefined): CodecName[] {
  const first: CodecName[] = localeInfo(tag).alaw ? ['PCMA', 'PCMU'] : ['PCMU', 'PCMA'];
  return [...first, 'G722', 'G729', 'telephone-event'];
}

/** Registration lifetime when the profile sets none: one hour ([WAZO] polycom base.tpl `expires="3600"`). */
export const DEFAULT_REGISTRATION_EXPIRY_SECONDS = 3600;
