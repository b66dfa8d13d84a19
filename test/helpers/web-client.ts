// A minimal browser for route tests of the web cockpit: keeps cookies, reads the CSRF token of
// the last page, posts forms (urlencoded or multipart), never follows redirects by itself.

export interface WebAnswer {
  status: number;
  location: string | null;
  html: string;
  headers: Headers;
}

export class WebClient {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(readonly base: string, readonly lang = 'fr') {}

  private keep(h: Headers): void {
    for (const c of h.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-language': this.lang, ...extra };
  }

  private async answer(res: Response): Promise<WebAnswer> {
    this.keep(res.headers);
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1]!;
    return { status: res.status, location: res.headers.get('location'), html, headers: res.headers };
  }

  async get(path: string): Promise<WebAnswer> {
    return this.answer(await fetch(this.base + path, { redirect: 'manual', headers: this.headers() }));
  }

  /** POST a form; `_csrf` is added unless given. */
  async post(path: string, fields: Record<string, string>, opts: { csrf?: boolean } = {}): Promise<WebAnswer> {
    const body = new URLSearchParams({ ...(opts.csrf === false ? {} : { _csrf: this.csrf }), ...fields });
    return this.answer(
      await fetch(this.base + path, {
        method: 'POST',
        redirect: 'manual',
        headers: this.headers({ 'content-type': 'application/x-www-form-urlencoded' }),
        body,
      }),
    );
  }

  async upload(path: string, fields: Record<string, string>, file: { name: string; content: string | Buffer }): Promise<WebAnswer> {
    const form = new FormData();
    form.set('_csrf', this.csrf);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set('file', new Blob([file.content]), file.name);
    return this.answer(await fetch(this.base + path, { method: 'POST', redirect: 'manual', headers: this.headers(), body: form }));
  }

  /** Open the login page, then log in. */
  async login(login: string, password: string): Promise<WebAnswer> {
    await this.get('/login');
    return this.post('/login', { login, password });
  }
}

/** HTML text → the text a person reads (the entities handlebars writes decoded). */
export const htmlText = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|nbsp);/gi, (m, e: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
    if (e[0] !== '#') return named[e.toLowerCase()] ?? m;
    return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

/** Text of the element following `id="e-<field>"`-style error markers, for assertions. */
export const fieldError = (html: string, name: string): string | undefined => {
  const raw = new RegExp(`id="e-${name}">([^<]*)<`).exec(html)?.[1];
  return raw === undefined ? undefined : htmlText(raw);
};
