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

/** Text of the element following `id="e-<field>"`-style error markers, for assertions. */
export const fieldError = (html: string, name: string): string | undefined =>
  new RegExp(`id="e-${name}">([^<]*)<`).exec(html)?.[1];
