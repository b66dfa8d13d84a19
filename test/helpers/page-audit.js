// Measurements made inside a page by test/helpers/browser.ts (injected with page.evaluate, which
// the page's CSP does not restrict). Plain browser JavaScript, no dependencies: it defines
// window.__audit once and every function returns plain data for the test to assert on.
(() => {
  if (window.__audit) return;

  // ---- colours: any CSS colour to sRGB bytes + alpha, through a 1x1 canvas
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const cache = new Map();
  function rgba(css) {
    if (cache.has(css)) return cache.get(css);
    let out = null;
    if (css && css !== 'none') {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = '#000';
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const d = ctx.getImageData(0, 0, 1, 1).data;
      out = { r: d[0], g: d[1], b: d[2], a: d[3] / 255 };
    }
    cache.set(css, out);
    return out;
  }
  /** `top` painted over the opaque colour `bottom`, with an extra opacity factor. */
  function over(top, bottom, opacity = 1) {
    const a = top.a * opacity;
    return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
  }
  function luminance(c) {
    const ch = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  }
  function ratio(a, b) {
    const la = luminance(a);
    const lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  const hex = (c) => '#' + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  /** The colours named in a background-image (gradient stops), or null when there is none. */
  function gradientStops(image) {
    if (!image || image === 'none') return null;
    if (/url\(/.test(image)) return 'image';
    const stops = image.match(/(?:rgba?|hsla?|oklch|oklab|lab|lch|color)\([^()]*\)|#[0-9a-f]{3,8}\b/gi) ?? [];
    return stops.map(rgba).filter(Boolean);
  }

  /**
   * Every opaque colour that can be behind `el`: its own and its ancestors' backgrounds composed
   * from the page's canvas (white) upwards; a gradient gives one candidate per colour stop.
   */
  function backgroundsBehind(el, includeSelf = true) {
    const layers = [];
    for (let n = includeSelf ? el : el.parentElement; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      const color = rgba(cs.backgroundColor);
      const stops = gradientStops(cs.backgroundImage);
      layers.push({ color, stops, opacity: 1 });
      const opaqueStops = Array.isArray(stops) && stops.length && stops.every((s) => s.a === 1);
      if ((color && color.a === 1) || opaqueStops) break;
    }
    let candidates = [{ r: 255, g: 255, b: 255, a: 1 }];
    let unknown = false;
    for (const layer of layers.reverse()) {
      const next = [];
      for (const c of candidates) {
        const base = layer.color && layer.color.a > 0 ? over(layer.color, c) : c;
        if (layer.stops === 'image') {
          unknown = true;
          next.push(base);
        } else if (layer.stops && layer.stops.length) for (const s of layer.stops) next.push(over(s, base));
        else next.push(base);
      }
      const seen = new Set();
      candidates = next.filter((c) => {
        const k = hex(c);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    }
    return { candidates, unknown };
  }

  function opacityOf(el) {
    let o = 1;
    for (let n = el; n; n = n.parentElement) o *= Number(getComputedStyle(n).opacity);
    return o;
  }

  /** Rendered and not hidden away (display, visibility, opacity, 1-pixel screen-reader-only boxes). */
  function shown(el) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
    for (let n = el; n; n = n.parentElement) {
      const cs = getComputedStyle(n);
      if ((cs.clip && cs.clip !== 'auto') || (cs.clipPath && cs.clipPath !== 'none' && cs.position === 'absolute')) return false;
      if (cs.overflow !== 'visible') {
        const r = n.getBoundingClientRect();
        if (r.width <= 1 || r.height <= 1) return false;
      }
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }

  function describe(el) {
    const parts = [];
    for (let n = el; n && n !== document.body && parts.length < 4; n = n.parentElement) {
      let s = n.tagName.toLowerCase();
      if (n.id) s += '#' + n.id;
      else if (n.classList.length) s += '.' + [...n.classList].slice(0, 2).join('.');
      parts.unshift(s);
    }
    return parts.join(' > ');
  }

  function check(el, fgCss, text, minimum, kind, failures, measured) {
    const fg = rgba(fgCss);
    if (!fg || fg.a === 0) return;
    const { candidates, unknown } = backgroundsBehind(el);
    const opacity = opacityOf(el);
    let worst = Infinity;
    let worstBg = null;
    for (const bg of candidates) {
      const r = ratio(over(fg, bg, opacity), bg);
      if (r < worst) {
        worst = r;
        worstBg = bg;
      }
    }
    measured.count++;
    measured.min = Math.min(measured.min, worst);
    if (worst < minimum || unknown) {
      failures.push({ kind, text: text.trim().slice(0, 60), where: describe(el), ratio: Math.round(worst * 100) / 100, fg: hex(fg), bg: hex(worstBg), unknownBackground: unknown });
    }
  }

  /**
   * Contrast of every visible piece of text: text nodes, generated ::before/::after labels,
   * field values and placeholders. Disabled controls are exempt (WCAG 1.4.3).
   */
  function contrast(minimum) {
    const failures = [];
    const measured = { count: 0, min: Infinity };
    const done = new Set();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      if (!t.data.trim()) continue;
      const el = t.parentElement;
      if (!el || done.has(el)) continue;
      done.add(el);
      if (el.closest('script, style, template, select, datalist, option, textarea, [aria-hidden="true"]')) continue;
      if (el.closest(':disabled')) continue;
      if (!shown(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      const box = range.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) continue;
      check(el, getComputedStyle(el).color, t.data, minimum, 'text', failures, measured);
    }
    for (const el of document.body.querySelectorAll('*')) {
      for (const pseudo of ['::before', '::after']) {
        const cs = getComputedStyle(el, pseudo);
        const content = cs.content;
        if (!content || content === 'none' || content === 'normal' || cs.display === 'none') continue;
        // attr(data-label) shows as the attribute's text; quoted strings are literal text.
        let text = '';
        const attr = /^attr\(([\w-]+)\)$/.exec(content);
        if (attr) text = el.getAttribute(attr[1]) ?? '';
        else if (/^".*"$/.test(content)) text = content.slice(1, -1);
        if (!text.trim() || !shown(el) || el.closest(':disabled')) continue;
        check(el, cs.color, `${pseudo} ${text}`, minimum, 'generated', failures, measured);
      }
    }
    for (const el of document.body.querySelectorAll('input, select, textarea')) {
      const type = (el.getAttribute('type') || '').toLowerCase();
      if (['hidden', 'checkbox', 'radio', 'range', 'color', 'file', 'image'].includes(type)) continue;
      if (el.disabled || !shown(el)) continue;
      const cs = getComputedStyle(el);
      if (el.tagName === 'SELECT' || el.value) check(el, cs.color, `value of ${el.name || el.id}`, minimum, 'value', failures, measured);
      if (!el.value && el.placeholder) check(el, getComputedStyle(el, '::placeholder').color, `placeholder ${el.placeholder}`, minimum, 'placeholder', failures, measured);
    }
    return { failures, checked: measured.count, lowest: Math.round(measured.min * 100) / 100 };
  }

  // ---- layout
  /** Document wider than the window, inner horizontal scrollers, and what sticks out. */
  function overflow() {
    const root = document.scrollingElement;
    const width = root.clientWidth;
    const offenders = [];
    const scrollers = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 || r.left < -1) {
        // Only the outermost offender of a subtree is interesting.
        if (!offenders.some((o) => o.el.contains(el))) offenders.push({ el, right: Math.round(r.right), left: Math.round(r.left) });
      }
      const cs = getComputedStyle(el);
      if (['auto', 'scroll'].includes(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) scrollers.push({ where: describe(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth });
    }
    const clipped = ['hidden', 'clip'].filter((v) => getComputedStyle(document.documentElement).overflowX === v || getComputedStyle(document.body).overflowX === v);
    return {
      scrollWidth: root.scrollWidth,
      clientWidth: width,
      offenders: offenders.slice(0, 8).map((o) => ({ where: describe(o.el), left: o.left, right: o.right })),
      scrollers,
      clipped: clipped.length > 0,
    };
  }

  // ---- focus
  const FOCUSABLE = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
  const STYLE = ['outlineStyle', 'outlineWidth', 'outlineColor', 'outlineOffset', 'boxShadow'];
  function snapshot(el) {
    const cs = getComputedStyle(el);
    return Object.fromEntries(STYLE.map((k) => [k, cs[k]]));
  }
  let baseline = [];
  /** Remember how every focusable element looks unfocused (call with nothing focused). */
  function focusBaseline() {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    const els = [...document.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && !el.closest('[inert]') && shown(el));
    baseline = els.map((el) => ({ el, style: snapshot(el) }));
    return baseline.length;
  }
  /**
   * Focus each element in turn (after a real key press, so :focus-visible applies as for keyboard
   * users) and check: an outline of 2 px or more or a new box-shadow, a ring that contrasts 3:1
   * with what is behind it, and nothing else (a sticky bar) painted over the focused element.
   */
  function focusCheck() {
    const failures = [];
    for (const { el, style } of baseline) {
      if (!el.isConnected) continue;
      el.focus();
      if (document.activeElement !== el) {
        failures.push({ where: describe(el), problem: 'cannot take the focus' });
        continue;
      }
      const now = snapshot(el);
      // Chromium's own ring (outline-style: auto) is drawn in two tones and shows on any colour.
      const auto = now.outlineStyle === 'auto';
      const outline = auto || (now.outlineStyle !== 'none' && parseFloat(now.outlineWidth) >= 2);
      const changed = STYLE.some((k) => now[k] !== style[k]);
      const shadow = now.boxShadow !== 'none' && now.boxShadow !== style.boxShadow;
      if (!changed || (!outline && !shadow)) {
        failures.push({ where: describe(el), problem: 'no visible focus indicator', unfocused: style, focused: now });
      } else if (outline && !auto) {
        const ring = rgba(now.outlineColor);
        const behind = parseFloat(now.outlineOffset) > 0 ? backgroundsBehind(el, false) : backgroundsBehind(el, true);
        const worst = Math.min(...behind.candidates.map((bg) => ratio(over(ring, bg), bg)));
        if (worst < 3) failures.push({ where: describe(el), problem: `focus ring contrast ${worst.toFixed(2)} < 3`, ring: hex(ring) });
      }
      const r = el.getBoundingClientRect();
      const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
      const y = Math.min(Math.max(r.top + Math.min(r.height / 2, 12), 0), innerHeight - 1);
      const hit = document.elementFromPoint(x, y);
      const label = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
      if (hit && hit !== el && !el.contains(hit) && !(label && label.contains(hit))) {
        failures.push({ where: describe(el), problem: `covered by ${describe(hit)} when focused` });
      }
    }
    if (document.activeElement) document.activeElement.blur();
    return { failures, checked: baseline.length };
  }

  /** Controls and links that are rendered, with a selector-like description, for naming checks. */
  function visibleControls() {
    return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href], summary')]
      .filter((el) => shown(el) || (el.matches('input, select, textarea') && el.checkVisibility()))
      .map((el) => describe(el));
  }

  window.__audit = { contrast, overflow, focusBaseline, focusCheck, visibleControls, describe };
})();
