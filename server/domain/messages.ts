// What a person will read, as the domain says it: a stable key of the message catalogue
// (server/i18n/<lang>.json) with its parameters, never a sentence. The edges (REST API, web
// cockpit, CLI) pick the language and translate; below them nothing builds text for people.

/** Values of a message's `{placeholders}`: identifiers, numbers, values as typed. */
export type MessageParams = Record<string, string | number>;

/** A message to show, by key. `key` is stable: clients and scripts may rely on it. */
export interface Message {
  key: string;
  params?: MessageParams;
}

/** Translation into the caller's language, handed down by an edge (i18n's `translator(lang)`). */
export type Translate = (key: string, params?: MessageParams) => string;

export const message = (key: string, params?: MessageParams): Message => (params && Object.keys(params).length ? { key, params } : { key });

/** A short form for logs and debugging: `key {"param":"value"}`. */
export const messageForLog = (m: Message): string => (m.params && Object.keys(m.params).length ? `${m.key} ${JSON.stringify(m.params)}` : m.key);

/** A list of values for a parameter (`a, b, c`), bounded so a message stays readable. */
export function listParam(values: readonly string[], max = 12): string {
  const shown = values.slice(0, max).join(', ');
  return values.length > max ? `${shown}, …` : shown;
}

/** A value as the person typed it, for a message: trimmed to a readable length. */
export const shownValue = (raw: unknown, max = 40): string => {
  const s = String(raw);
  return s.length > max ? `${s.slice(0, max)}…` : s;
};
