/* ttq-harness test fixture: the emulator as the SDK's main.<id>.js */
/*
 * ttq-harness offline TikTok Pixel emulator.
 *
 * Served by the harness in place of
 *   https://analytics[.us].tiktok.com/i18n/pixel/events.js?sdkid=<CODE>&lib=ttq
 * so the real SDK never loads. It drains the base code's array queue and sends
 * beacons in the wire format of pixel.js 2.1.33 (January 2024 build), checked
 * against the captures in shared/reference/beacons/real-sdk-2.1.33-*.json.
 *
 * Reproduced from the real SDK:
 *  - queue protocol: `ttq` is the base code's Array; global entries and the
 *    per-pixel `ttq._i[code]` queues are replayed, identify() first; methods are
 *    then installed by plain assignment on the same objects.
 *  - replay order seen in the multi-pixel capture: for each pixel in load order,
 *    its own instance queue, then the global queue; EnrichAM after the replay.
 *  - /api/v2/pixel body: key order, ids (message_id, session_id, pageview_id
 *    with -CODE suffix), event-name aliases (the `qt` table), properties
 *    copied with Object.assign (strings become {"0":..}), removal of
 *    pixelMethod/event_id/eventID/limited_data_use, currency upper-casing,
 *    event_id from options or props, options.pixel_code, limited_data_use and
 *    ttq._partner as top-level fields, context.pixel.mode from pixelMethod.
 *  - identify(): accepted forms, SHA-256 of email/phone/other PII (external_id
 *    kept as is), values in context.user of every later event, EnrichAM.
 *  - _inspection.identity_params and signal_diagnostic_labels shapes as captured.
 *  - page(): Pageview only when location.href changed for that pixel; SPA
 *    history hooks update page.url/referrer and the pageview_id.
 *  - consent: holdConsent / grantConsent / revokeConsent.
 *  - console diagnostics (console.warn, the SDK's wording): "Missing 'content_id'
 *    paramter" for a funnel event without content ids, "Missing email and phone
 *    number" for CompletePayment before identify() gave either.
 *  - runs as events.js, or as static/main.<id>.js loaded by a pinned events.js with
 *    ?sdkid=&lib= (the fixture in tests/data/sdk-pin/).
 *  - first-party cookie: once the page calls enableCookie() (or _tt_enable_cookie=1 is
 *    already set), a 27-character _ttp cookie (390 days) plus _tt_enable_cookie=1, written
 *    only while consent is neither held nor revoked; its value is context.user.anonymous_id
 *    whenever the cookie exists. The real SDK also enables it from the pixel's server config
 *    (info.firstPartyCookieEnabled), which the emulator cannot know: see
 *    docs/consent-and-pixels.md for the evidence.
 *  - transport: navigator.sendBeacon(url, JSON string), else image GET with
 *    ?analytics_message=<base64url UTF-8 JSON, no padding>.
 *  - /api/v2/pixel/act: one Metadata per page load and Click on buttons/links,
 *    merged over pixels (codes "A|B"), un-suffixed ids, context.index; skipped
 *    when every pixel has autoConfig:false.
 *
 * Not reproduced (deliberately or for lack of evidence):
 *  - config.js / main.<id>.js / identify_<hash>.js fetches, per-pixel Event
 *    Builder rules, plugins, the console diagnostics without evidence of when they
 *    fire ("Invalid pixel ID", "Invalid content type", 'Missing "value"', "Invalid
 *    Event Name Format").
 *  - the server-side firstPartyCookieEnabled switch (off unless the harness is told the
 *    pixel has first-party cookies on: --first-party-cookies), the cookie's parent-domain scope,
 *    ttclid / context.ad click info, tt_test_id test-events mode.
 *  - phone normalisation beyond "keep + and digits" (no libphonenumber,
 *    no country inference); base64 hash conversion; auto advanced matching.
 *  - open_graph / microdata / json_ld extraction (sent as "{}", "[]", "[]"),
 *    meta beyond the title; /act retry, form reports, scroll/engagement,
 *    /inter, /perf, /monitor, IPv6 enrichment, Pangle, Shopify.
 *  - library.version is "2.1.33-pinned-fixture" so harness output shows it was us.
 */
(function () {
  'use strict';

  var LOG = '[ttq-harness emulator] ';
  // What TikTok's server would embed in a real pixel's events.js (info{...}); the harness
  // fills it in when it serves this file (harness/core/sdk.py, EmulatedSdk):
  // firstPartyCookieEnabled is the pixel's "first-party cookies" switch in Events Manager.
  var CONFIG = {} /* ttq-harness: emulator config */;
  var VERSION = '2.1.33-pinned-fixture';
  var METHODS = ['page', 'track', 'identify', 'instances', 'instance', 'load', 'debug', 'on', 'off',
    'once', 'ready', 'alias', 'group', 'enableCookie', 'disableCookie', 'holdConsent',
    'revokeConsent', 'grantConsent'];
  // The 2.1.33 `qt` alias table: legacy names the SDK rewrites before sending.
  var ALIASES = {
    Purchase: 'CompletePayment', Checkout: 'PlaceAnOrder', Registration: 'CompleteRegistration',
    StartCheckout: 'InitiateCheckout', AddBilling: 'AddPaymentInfo',
    ViewForm: 'ViewContent', ViewConsultationPage: 'ViewContent', ViewDownloadPage: 'ViewContent',
    ClickForm: 'ClickButton', ClickInDownloadPage: 'ClickButton', ClickInConsultationPage: 'ClickButton',
    ClickToDownload: 'Download', Consult: 'Contact', ConsultByPhone: 'Contact'
  };
  var STRIPPED_PROPS = ['pixelMethod', 'event_id', 'eventID', 'limited_data_use'];
  var PII_KEYS = ['first_name', 'last_name', 'city', 'state', 'country', 'zip_code'];
  var CLICKABLE = 'button, a, [role="button"], input[type="submit"], input[type="button"]';
  var BUTTONS = 'button, [role="button"], input[type="submit"], input[type="button"]';

  // The SDK's own console diagnostics, worded as pixel.js 2.1.33 prints them (typo included);
  // the harness reports them as SD findings. Only the situations the captures support.
  var SDK_SAYS = '[TikTok Pixel] - ';
  var MISSING_CONTENT_ID = SDK_SAYS + "Missing 'content_id' paramter\n" +
    "Issue: The 'content_id' parameter isn't being received. This is required for Video Shopping Ads (VSA).\n" +
    "Suggestion: Include the 'content_id' parameter in your source code. This is required for Video Shopping Ads (VSA). " +
    'See https://ads.tiktok.com/help/article/standard-events-parameters?redirected=2 for more information.';
  var MISSING_EMAIL_AND_PHONE = SDK_SAYS + 'Missing email and phone number\n' +
    "Issue: Email and phone number info isn't being received. This information is required for Complete Payment events.";
  var CONTENT_ID_EVENTS = ['ViewContent', 'AddToCart', 'InitiateCheckout', 'PlaceAnOrder', 'CompletePayment'];

  function sdkSays(text) {
    try { console.warn(text); } catch (e) { /* ignore */ }
  }

  function hasId(v) {
    if (typeof v === 'number') return isFinite(v);
    if (typeof v === 'string') return v.trim() !== '';
    if (Array.isArray(v)) return v.some(hasId);
    return false;
  }

  function hasContentId(p) {
    if (!p || typeof p !== 'object') return false;
    if (hasId(p.content_id) || hasId(p.content_ids)) return true;
    return Array.isArray(p.contents) && p.contents.some(function (c) { return c && hasId(c.content_id); });
  }

  // Missing content_id: InitiateCheckout without it printed this in the multi-pixel capture;
  // events with content_id (or contents[].content_id) printed nothing. Missing e-mail and
  // phone: its own wording names Complete Payment; the single-pixel Purchase (identified)
  // printed nothing.
  function diagnose(S, event, props) {
    if (CONTENT_ID_EVENTS.indexOf(event) >= 0 && !hasContentId(props)) sdkSays(MISSING_CONTENT_ID);
    if (event === 'CompletePayment' && !S.user.email && !S.user.phone_number) sdkSays(MISSING_EMAIL_AND_PHONE);
  }

  function warn(msg, err) {
    try { console.warn(LOG + msg, err && (err.stack || err.message || err)); } catch (e) { /* ignore */ }
  }

  // An entry point threw: the harness reports "error: …" lines as a capture-health finding
  // (CH002), the other lines are notes.
  function fail(msg, err) { warn('error: ' + msg, err); }

  // Wrap every entry point: the emulator must never throw into the page.
  function safe(fn, name) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { fail(name + ' failed', e); }
    };
  }

  /* ------------------------------------------------------------------ ids */

  function rand13() { return Math.floor(Math.random() * (9e12 - 1)) + 1e12; }
  function prefixedId(prefix) { return prefix + '-' + Date.now() + '-' + rand13(); }
  function randChars(n) {
    var abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-', s = '';
    for (var i = 0; i < n; i++) s += abc.charAt(Math.floor(Math.random() * abc.length));
    return s;
  }
  function uuidLike() {
    // Shaped like the server's v1 uuid (ttq._server_unique_id) that prefixes session_id.
    var h = '';
    for (var i = 0; i < 32; i++) h += Math.floor(Math.random() * 16).toString(16);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-1' + h.slice(13, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function storageGet(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { window.sessionStorage.setItem(key, value); } catch (e) { /* storage may be blocked */ }
  }

  // One session id per tab session, like the SDK's sessionStorage tt_sessionId.
  function sessionBase(serverId) {
    var stored = storageGet('tt_sessionId');
    if (stored) {
      try { stored = JSON.parse(stored); } catch (e) { /* stored raw */ }
      if (typeof stored === 'string' && stored.indexOf('::') > 0) return stored;
    }
    var sid = serverId + '::' + randChars(20);
    storageSet('tt_sessionId', JSON.stringify(sid));
    return sid;
  }

  // context.index of /act bodies: 0 on the first page of a session (both
  // captures), counting up per page load (tt_pixel_session_index).
  function sessionIndex() {
    var idx = 0, main = 1;
    try {
      var prev = JSON.parse(storageGet('tt_pixel_session_index') || 'null');
      if (prev && typeof prev.index === 'number') { idx = prev.index + 1; main = prev.main; }
    } catch (e) { /* fresh session */ }
    storageSet('tt_pixel_session_index', JSON.stringify({ index: idx, main: main }));
    return idx;
  }

  function platform() {
    var ua = (navigator && navigator.userAgent) || '';
    if (/android/i.test(ua)) return 'android';
    if (/iphone|ipad|ipod/i.test(ua)) return 'ios';
    return 'pc';
  }

  /* ------------------------------------------------------ identify / sha256 */

  var K = [], H0 = [];
  (function initConstants() {
    // First 32 bits of the fractional parts of the square / cube roots of the first primes.
    var n = 2, found = 0;
    while (found < 64) {
      var prime = true;
      for (var d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
      if (prime) {
        if (found < 8) H0[found] = (Math.pow(n, 1 / 2) * 4294967296) | 0;
        K[found] = (Math.pow(n, 1 / 3) * 4294967296) | 0;
        found++;
      }
      n++;
    }
  })();

  function utf8Bytes(str) {
    if (typeof TextEncoder !== 'undefined') return new TextEncoder().encode(str);
    var bin = unescape(encodeURIComponent(str)), out = [];
    for (var i = 0; i < bin.length; i++) out.push(bin.charCodeAt(i));
    return out;
  }

  // Synchronous SHA-256 (crypto.subtle is async and absent on http origins).
  function sha256(str) {
    var bytes = utf8Bytes(str), len = bytes.length, w = [], i, j;
    for (i = 0; i < len; i++) w[i >> 2] |= bytes[i] << (24 - (i % 4) * 8);
    w[len >> 2] |= 0x80 << (24 - (len % 4) * 8);
    var total = (((len + 8) >> 6) + 1) * 16;
    for (i = 0; i < total; i++) w[i] = w[i] | 0;
    w[total - 1] = (len * 8) | 0;
    w[total - 2] = Math.floor(len / 536870912) | 0;
    var h = H0.slice(), m = new Array(64);
    for (i = 0; i < total; i += 16) {
      for (j = 0; j < 64; j++) {
        if (j < 16) { m[j] = w[i + j]; continue; }
        var a = m[j - 15], b = m[j - 2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        m[j] = (m[j - 16] + s0 + m[j - 7] + s1) | 0;
      }
      var A = h[0], B = h[1], C = h[2], D = h[3], E = h[4], F = h[5], G = h[6], HH = h[7];
      for (j = 0; j < 64; j++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var t1 = (HH + S1 + ((E & F) ^ (~E & G)) + K[j] + m[j]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var t2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
        HH = G; G = F; F = E; E = (D + t1) | 0; D = C; C = B; B = A; A = (t1 + t2) | 0;
      }
      h[0] = (h[0] + A) | 0; h[1] = (h[1] + B) | 0; h[2] = (h[2] + C) | 0; h[3] = (h[3] + D) | 0;
      h[4] = (h[4] + E) | 0; h[5] = (h[5] + F) | 0; h[6] = (h[6] + G) | 0; h[7] = (h[7] + HH) | 0;
    }
    var hex = '';
    for (i = 0; i < 8; i++) hex += ('00000000' + (h[i] >>> 0).toString(16)).slice(-8);
    return hex;
  }

  function isHash(v) { return /^[a-f0-9]{64}$/i.test(v); }
  function isEmail(v) { return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v); }
  // Digits and '+' kept, nothing added: the real SDK hashed '2025550123' for '202-555-0123'
  // and '+12025550123' for '+1 202 555 0123' (tests/browser/test_emulator_vs_real_sdk.py).
  function normPhone(v) { return v.replace(/[^0-9+]/g, ''); }

  // Merge one identify() call into the user info and diagnostics.
  // Returns true when it carried more than a bare external_id (-> EnrichAM).
  function applyIdentify(S, args) {
    var input = {};
    for (var a = 0; a < args.length; a++) {
      var arg = args[a];
      if (arg === null || arg === undefined) continue;
      if (typeof arg === 'object') Object.assign(input, arg);
      else if (a === 0) input.external_id = arg; // identify('abc') / identify(123)
    }
    var enrich = false, u = S.user, d = S.diag;
    Object.keys(input).forEach(function (key) {
      var raw = input[key];
      if (raw === null || raw === undefined || typeof raw === 'object') return;
      var v = String(raw).trim();
      if (v === '') return;
      if (key === 'external_id') { u.external_id = v; return; }
      if (key === 'email') {
        enrich = true;
        if (isHash(v)) { u.email = v.toLowerCase(); d.email = { kind: 'hashed' }; return; }
        var lower = v.toLowerCase();
        u.email = sha256(lower);
        d.email = isEmail(v) ? { kind: 'plain', letterCase: lower !== v, hash: u.email } : { kind: 'invalid' };
        return;
      }
      if (key === 'phone_number') {
        enrich = true;
        if (isHash(v)) { u.phone_number = v.toLowerCase(); d.phone = { kind: 'hashed' }; return; }
        var p = normPhone(v);
        u.phone_number = sha256(p);
        d.phone = /^\+[0-9]{7,15}$/.test(p) ? { kind: 'plain' } : { kind: 'invalid' };
        return;
      }
      // A 64-hex value is sent as given (upper case too); anything else is hashed, as the real
      // SDK does (test_emulator_vs_real_sdk.py).
      if (key === 'sha256_email') { enrich = true; u.email = isHash(v) ? v : sha256(v); d.sha256Email = isHash(v); return; }
      if (key === 'sha256_phone_number') { enrich = true; u.phone_number = isHash(v) ? v : sha256(v); d.sha256Phone = isHash(v); return; }
      if (PII_KEYS.indexOf(key) >= 0) {
        enrich = true;
        var low = v.toLowerCase();
        u[key] = isHash(low) ? low : sha256(low);
      }
      // Other keys are not accepted by the SDK's identify and are dropped.
    });
    return enrich;
  }

  /* ------------------------------------------------ first-party cookie */

  var COOKIE_DAYS = 390;

  function readCookie(name) {
    try {
      var parts = document.cookie ? document.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        var eq = parts[i].indexOf('=');
        if (parts[i].slice(0, eq) === name) return parts[i].slice(eq + 1);
      }
    } catch (e) { /* sandboxed frame: no cookies */ }
    return null;
  }

  function writeCookie(name, value) {
    try {
      document.cookie = name + '=' + value + '; max-age=' + (COOKIE_DAYS * 86400) + '; path=/; SameSite=Lax';
    } catch (e) { /* sandboxed frame: no cookies */ }
  }

  // _ttp (27 random characters, genCookieID) with _tt_enable_cookie=1, only when cookies are
  // enabled and consent is neither held nor revoked.
  function ensureCookie(S) {
    if (!S.cookieEnabled || S.consent.mode === 'hold' || S.consent.mode === 'revoked') return;
    if (readCookie('_tt_enable_cookie') !== '1') writeCookie('_tt_enable_cookie', '1');
    if (!readCookie('_ttp')) writeCookie('_ttp', randChars(27));
  }

  // context.user with the SDK's field order: anonymous_id, email, phone_number, external_id, rest.
  function userObject(S) {
    ensureCookie(S); // the cookie exists before the first beacon that may carry it
    var out = {}, u = S.user, ttp = readCookie('_ttp');
    if (ttp) out.anonymous_id = ttp;
    ['email', 'phone_number', 'external_id'].forEach(function (k) { if (k in u) out[k] = u[k]; });
    Object.keys(u).forEach(function (k) { if (!(k in out)) out[k] = u[k]; });
    return out;
  }

  function inspection(S) {
    var d = S.diag;
    if (!d.email && !d.phone && d.sha256Email === undefined && d.sha256Phone === undefined) return {};
    function kindLabel(x, plainLabels) {
      if (!x) return ['empty_value'];
      if (x.kind === 'hashed') return ['hashed'];
      if (x.kind === 'plain') return plainLabels;
      return ['unknown_invalid'];
    }
    function shaLabel(x) { return x === undefined ? ['empty_value'] : (x ? ['hashed'] : ['unknown_invalid']); }
    return {
      identity_params: {
        email_is_hashed: kindLabel(d.email, ['plain_email', 'plain_mdn_email']),
        sha256_email: shaLabel(d.sha256Email),
        phone_is_hashed: kindLabel(d.phone, ['plain_phone']),
        sha256_phone: shaLabel(d.sha256Phone)
      }
    };
  }

  function diagnosticLabels(S) {
    var d = S.diag, missing = function () { return { label: 'missing' }; };
    var rawEmail = missing(), rawPhone = missing(), hashedEmail = missing(), hashedPhone = missing();
    if (d.email && d.email.kind === 'plain') {
      rawEmail = { label: 'valid' };
      if (d.email.letterCase) { rawEmail.abnormal_types = ['letter_case']; rawEmail.suggested_values = [d.email.hash]; }
    } else if (d.email && d.email.kind === 'invalid') rawEmail = { label: 'invalid' };
    if (d.phone && d.phone.kind !== 'hashed') rawPhone = { label: d.phone.kind === 'plain' ? 'valid' : 'invalid' };
    if ((d.email && d.email.kind === 'hashed') || d.sha256Email !== undefined) hashedEmail = { label: (d.sha256Email === false) ? 'invalid' : 'valid' };
    if ((d.phone && d.phone.kind === 'hashed') || d.sha256Phone !== undefined) hashedPhone = { label: (d.sha256Phone === false) ? 'invalid' : 'valid' };
    return {
      raw_email: rawEmail, raw_auto_email: missing(), raw_phone: rawPhone,
      raw_auto_phone: missing(), hashed_email: hashedEmail, hashed_phone: hashedPhone
    };
  }

  /* -------------------------------------------------------- body assembly */

  // Keep page url/referrer/pageview_id in step with SPA navigation, even if a
  // route change happened without our history hooks seeing it.
  function syncRoute(S) {
    var href = location.href;
    if (href === S.url) return;
    S.referrer = S.url;
    S.url = href;
    S.pageviewBase = prefixedId('pageId');
  }

  function baseContext(S, pixel, suffix) {
    syncRoute(S);
    return {
      ad: { sdk_env: 'external', jsb_status: 2 },
      user: userObject(S),
      pixel: pixel,
      page: { url: S.url, referrer: S.referrer },
      library: { name: 'pixel.js', version: VERSION },
      device: { platform: platform() },
      session_id: S.sessionBase + suffix,
      pageview_id: S.pageviewBase + suffix,
      variation_id: 'test_3',
      userAgent: navigator.userAgent
    };
  }

  function pixelBody(S, code, event, props, eventId, mode) {
    var pixel = { code: code };
    if (mode !== undefined) pixel.mode = mode;
    pixel.runtime = '1';
    var properties = Object.assign({}, props);
    var ldu = properties.limited_data_use;
    STRIPPED_PROPS.forEach(function (k) { delete properties[k]; });
    if (typeof properties.currency === 'string') properties.currency = properties.currency.toUpperCase();
    var body = {
      event: event,
      message_id: prefixedId('messageId') + '-' + code,
      event_id: eventId,
      is_onsite: false,
      timestamp: new Date().toJSON(),
      context: baseContext(S, pixel, '-' + code),
      _inspection: inspection(S),
      signal_diagnostic_labels: diagnosticLabels(S),
      properties: properties
    };
    var opts = (S.ttq._o && S.ttq._o[code]) || {};
    if (ldu === undefined) ldu = opts.limited_data_use;
    if (ldu !== undefined) body.limited_data_use = ldu;
    if (S.ttq._partner) body.partner = S.ttq._partner;
    return body;
  }

  // /act bodies: one request for all auto-config pixels, no -CODE suffixes.
  function actBody(S, codes, action, autoProps) {
    var ctx = baseContext(S, { code: codes[0], runtime: '1', codes: codes.join('|') }, '');
    ctx.index = S.sessionIndex;
    return {
      message_id: prefixedId('messageId'),
      event_id: '',
      is_onsite: false,
      timestamp: new Date().toJSON(),
      context: ctx,
      _inspection: inspection(S),
      signal_diagnostic_labels: diagnosticLabels(S),
      properties: {},
      action: action,
      auto_collected_properties: autoProps
    };
  }

  /* ------------------------------------------------------------ transport */

  function base64url(str) {
    var bytes = utf8Bytes(str), bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function deliver(url, body) {
    var json = JSON.stringify(body), ok = false;
    try {
      if (navigator.sendBeacon) ok = navigator.sendBeacon(url, json);
    } catch (e) { ok = false; }
    if (ok) return;
    try {
      new Image().src = url + '?analytics_message=' + base64url(json);
    } catch (e) { fail('image fallback failed', e); }
  }

  /* -------------------------------------------------------------- consent */

  // Every beacon goes through here so consent applies to /act as well.
  function transmit(S, path, body) {
    var c = S.consent;
    if (c.mode === 'revoked') return;
    if (c.mode === 'hold') { c.held.push([S.origin + path, body]); return; }
    ensureCookie(S);
    deliver(S.origin + path, body);
  }

  function consentCall(S, method) {
    var c = S.consent;
    if (method === 'holdConsent') c.mode = 'hold';
    else if (method === 'revokeConsent') { c.mode = 'revoked'; c.held = []; }
    else if (method === 'grantConsent') {
      var held = c.held;
      c.mode = 'granted'; c.held = [];
      ensureCookie(S);
      if (!S.replaying) held.forEach(function (h) { deliver(h[0], h[1]); });
      else c.released = c.released.concat(held);
    }
  }

  /* ------------------------------------------------------- event handling */

  function sendEvent(S, code, event, props, eventId, mode) {
    transmit(S, '/api/v2/pixel', pixelBody(S, code, event, props, eventId, mode));
  }

  function doTrack(S, targets, args) {
    var name = args[0], props = args[1], options = args[2];
    // The real SDK sends nothing for a name that is not a string, and a beacon with an empty
    // event name for '' (test_emulator_vs_real_sdk.py).
    if (typeof name !== 'string') { warn('track() without a string event name ignored'); return; }
    var event = ALIASES.hasOwnProperty(name) ? ALIASES[name] : name;
    var p = (props !== null && props !== undefined) ? props : {};
    var o = (options && typeof options === 'object') ? options : {};
    var id = o.event_id || o.eventID || (typeof p === 'object' && (p.event_id || p.eventID)) || '';
    if (o.pixel_code) targets = targets.filter(function (c) { return c === o.pixel_code; });
    var mode = (typeof p === 'object') ? p.pixelMethod : undefined;
    if (targets.length && !S.repeatedCall) diagnose(S, event, p);
    targets.forEach(function (code) { sendEvent(S, code, event, p, String(id), mode); });
  }

  function doPage(S, targets) {
    syncRoute(S);
    targets.forEach(function (code) {
      var px = S.pixels[code];
      if (!px || px.lastPageUrl === S.url) return; // same URL: the SDK sends nothing
      px.lastPageUrl = S.url;
      sendEvent(S, code, 'Pageview', {}, '', undefined);
    });
  }

  function doIdentify(S, enrichCode, args) {
    if (!applyIdentify(S, args)) return;
    if (S.replaying) { S.pendingEnrich.push(enrichCode); return; }
    sendEnrich(S, enrichCode);
  }

  function sendEnrich(S, code) {
    if (!code || !S.pixels[code]) code = S.codes[0];
    if (code) sendEvent(S, code, 'EnrichAM', {}, '', undefined);
  }

  // One queued or live call. `targets` = pixels it goes to; `scope` = a pixel
  // code for instance calls, null for global ones.
  function dispatch(S, method, args, targets, scope) {
    switch (method) {
      case 'track': return doTrack(S, targets, args);
      case 'page': return doPage(S, targets);
      case 'identify': return doIdentify(S, scope, args);
      case 'holdConsent': case 'revokeConsent': case 'grantConsent': return consentCall(S, method);
      case 'ready':
        if (typeof args[0] === 'function') setTimeout(safe(args[0], 'ready callback'), 0);
        return;
      case 'load': return registerPixel(S, args[0], args[1]);
      case 'enableCookie': S.cookieEnabled = true; return ensureCookie(S);
      case 'disableCookie': S.cookieEnabled = false; return;
      default: return; // debug, on, off, once, alias, group: nothing to emulate
    }
  }

  /* ------------------------------------------------------- queue protocol */

  function makeMethods(S, target, scope) {
    METHODS.forEach(function (method) {
      var impl;
      if (method === 'instance') impl = function (code) { return instanceFor(S, code); };
      else if (method === 'instances') impl = function () { return S.codes.map(function (c) { return S.pixels[c].obj; }); };
      else impl = function () {
        var args = Array.prototype.slice.call(arguments);
        var targets = scope ? (S.pixels[scope] ? [scope] : []) : S.codes.slice();
        return dispatch(S, method, args, targets, scope);
      };
      // Plain assignment on purpose: the harness recorder traps these properties.
      target[method] = safe(impl, (scope ? 'instance(' + scope + ').' : S.lib + '.') + method);
    });
  }

  function instanceFor(S, code) {
    if (S.pixels[code]) return S.pixels[code].obj;
    var dummy = []; // unknown pixel: calls go nowhere, like the SDK's no-op instance
    makeMethods(S, dummy, String(code));
    return dummy;
  }

  function registerPixel(S, code, options) {
    if (!code) return;
    code = String(code);
    var ttq = S.ttq;
    ttq._i = ttq._i || {}; ttq._t = ttq._t || {}; ttq._o = ttq._o || {};
    if (!ttq._i[code]) { ttq._i[code] = []; ttq._i[code]._u = S.scriptBase; }
    if (!ttq._t[code]) ttq._t[code] = +new Date();
    if (options || !ttq._o[code]) ttq._o[code] = options || {};
    var px = S.pixels[code];
    if (px && px.obj === ttq._i[code]) return;
    if (!px) { px = S.pixels[code] = { code: code, lastPageUrl: null, obj: null }; S.codes.push(code); }
    px.obj = ttq._i[code]; // a re-run base code may have replaced the queue array
    makeMethods(S, px.obj, code);
  }

  function takeQueue(arr) {
    var items = [];
    for (var i = 0; i < arr.length; i++) if (arr[i] && typeof arr[i] === 'object' && arr[i].length) items.push(arr[i]);
    arr.length = 0; // empty in place: keep the page's array object
    return items;
  }

  // Replay what the base code queued. identify() first (the real SDK applies it
  // before the queued Pageview goes out), then per pixel in load order its own
  // instance queue and the global queue (the order of the multi-pixel capture).
  function replay(S) {
    var ttq = S.ttq, global = takeQueue(ttq), perPixel = {};
    S.codes.forEach(function (c) { perPixel[c] = takeQueue(ttq._i[c]); });
    if (!global.length && !S.codes.some(function (c) { return perPixel[c].length; })) return;
    S.replaying = true;
    S.pendingEnrich = [];
    S.consent.released = [];
    try {
      var isIdentify = function (e) { return e[0] === 'identify'; };
      global.filter(isIdentify).forEach(function (e) { dispatch(S, 'identify', e.slice(1), [], null); });
      S.codes.forEach(function (c) {
        perPixel[c].filter(isIdentify).forEach(function (e) { dispatch(S, 'identify', e.slice(1), [], c); });
      });
      // Each pixel pass starts from the consent state before replay, so a queued
      // holdConsent only holds what was queued after it.
      var start = S.consent, finalMode = start.mode, held = start.held.slice();
      var onceOnly = { ready: 1, load: 1 };
      S.codes.slice().forEach(function (c, i) {
        S.consent = { mode: start.mode, held: [], released: S.consent.released };
        perPixel[c].forEach(function (e) { if (!isIdentify(e)) dispatch(S, e[0], e.slice(1), [c], c); });
        global.forEach(function (e) {
          if (isIdentify(e) || (i > 0 && onceOnly[e[0]])) return;
          S.repeatedCall = i > 0; // one call replayed per pixel: its diagnostics print once
          try { dispatch(S, e[0], e.slice(1), [c], null); } finally { S.repeatedCall = false; }
        });
        finalMode = S.consent.mode; held = held.concat(S.consent.held);
        if (S.consent.mode === 'revoked') held = [];
      });
      S.consent = { mode: finalMode, held: held, released: S.consent.released };
      S.pendingEnrich.forEach(function (c) { sendEnrich(S, c); });
    } finally {
      S.replaying = false;
    }
    var released = S.consent.released;
    S.consent.released = [];
    released.forEach(function (h) { deliver(h[0], h[1]); });
  }

  /* ---------------------------------------------------------- auto events */

  function autoCodes(S) {
    var o = S.ttq._o || {};
    return S.codes.filter(function (c) { return !(o[c] && o[c].autoConfig === false); });
  }

  function sendMetadata(S) {
    var codes = autoCodes(S);
    if (!codes.length) return;
    transmit(S, '/api/v2/pixel/act', actBody(S, codes, 'Metadata', {
      page_trigger: 'PageView',
      content_data: { open_graph: '{}', microdata: '[]', json_ld: '[]', meta: JSON.stringify({ title: document.title }) }
    }));
  }

  function xpath(el) {
    var parts = [];
    for (var n = el; n && n.nodeType === 1 && n !== document.documentElement; n = n.parentElement) {
      var idx = 1;
      for (var sib = n.previousElementSibling; sib; sib = sib.previousElementSibling) if (sib.tagName === n.tagName) idx++;
      parts.unshift(n.tagName.toLowerCase() + '[' + idx + ']');
    }
    return '/HTML/' + parts.join('/');
  }

  function onClick(S, ev) {
    var t = ev.target;
    if (!t || t.nodeType !== 1) t = t && t.parentElement;
    var el = t && t.closest ? t.closest(CLICKABLE) : null;
    if (!el) return;
    var codes = autoCodes(S);
    if (!codes.length) return;
    var attrs = {};
    ['id', 'class', 'name', 'type', 'href', 'role', 'title', 'aria-label'].forEach(function (a) {
      var v = el.getAttribute(a);
      if (v !== null && v !== '') attrs[a] = v;
    });
    var rect = el.getBoundingClientRect();
    var text = (el.innerText || el.value || '').trim();
    transmit(S, '/api/v2/pixel/act', actBody(S, codes, 'Click', {
      page_trigger: 'Click',
      trigger_element: {
        tag: el.tagName, attributes: attrs, inner_text: text, xpath: xpath(el),
        num_child_buttons: el.querySelectorAll(BUTTONS).length,
        timestamp: new Date().toJSON(), position: { x: rect.left, y: rect.top }
      }
    }));
  }

  function startAutoEvents(S) {
    var schedule = function () { setTimeout(safe(function () { sendMetadata(S); }, 'Metadata'), 200); };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', schedule);
    else schedule();
    document.addEventListener('click', safe(function (ev) { onClick(S, ev); }, 'auto click'), { capture: true, passive: true });
  }

  function hookHistory(S) {
    var onRoute = safe(function () { syncRoute(S); }, 'history hook');
    ['pushState', 'replaceState'].forEach(function (name) {
      var orig = history[name];
      if (typeof orig !== 'function') return;
      history[name] = function () {
        var r = orig.apply(this, arguments);
        onRoute();
        return r;
      };
    });
    window.addEventListener('popstate', onRoute);
    window.addEventListener('hashchange', onRoute);
  }

  /* -------------------------------------------------------------- install */

  function findScript() {
    var cs = document.currentScript;
    if (cs && cs.src) return cs;
    var scripts = document.getElementsByTagName('script');
    for (var i = scripts.length - 1; i >= 0; i--) {
      var from = scripts[i].src || '';
      // events.js, or main.<id>.js when a pinned events.js loaded the emulator as the SDK's main
      if (from.indexOf('/i18n/pixel/events.js') >= 0 || from.indexOf('/i18n/pixel/static/main.') >= 0) return scripts[i];
    }
    return null;
  }

  function main() {
    var script = findScript();
    var src = script ? script.src : '';
    var url = src ? new URL(src, location.href) : null;
    var sdkid = url ? url.searchParams.get('sdkid') : null;
    var lib = (url && url.searchParams.get('lib')) ||
      (src.indexOf('/i18n/pixel/sdk.js') >= 0 ? '_taq' : 'ttq');
    var ttq = window[lib];
    if (!ttq) { ttq = window[lib] = []; }
    var S = ttq._harness_emulator;

    if (S) {
      // Later events.js run (one per loaded pixel): register that pixel, and
      // drain anything queued if the base code re-ran and re-stubbed methods.
      if (sdkid) registerPixel(S, sdkid);
      Object.keys(ttq._i || {}).forEach(function (c) { registerPixel(S, c); });
      var pending = ttq.length > 0 || S.codes.some(function (c) { return ttq._i[c].length > 0; });
      if (pending) {
        makeMethods(S, ttq, null);
        S.codes.forEach(function (c) { makeMethods(S, ttq._i[c], c); });
        replay(S);
      }
      return;
    }

    var serverId = ttq._server_unique_id || uuidLike();
    S = {
      lib: lib, ttq: ttq,
      origin: url ? url.origin : 'https://analytics.tiktok.com',
      // ttq._i[code]._u names the loader even when we run as main.<id>.js
      scriptBase: url ? url.origin + (/\/i18n\/pixel\/(events|sdk|shopify)\.js$/.test(url.pathname) ? url.pathname : '/i18n/pixel/events.js') : 'https://analytics.tiktok.com/i18n/pixel/events.js',
      codes: [], pixels: {},
      user: {}, diag: {},
      url: location.href, referrer: document.referrer,
      sessionBase: sessionBase(serverId), pageviewBase: prefixedId('pageId'),
      sessionIndex: sessionIndex(),
      consent: { mode: 'none', held: [], released: [] },
      cookieEnabled: CONFIG.firstPartyCookieEnabled === true || readCookie('_tt_enable_cookie') === '1',
      replaying: false, pendingEnrich: []
    };
    // Non-enumerable so it never shows up in the page's view of the array.
    Object.defineProperty(ttq, '_harness_emulator', { value: S });
    // Globals the real events.js sets; harmless data, set only when absent.
    if (!ttq._env) ttq._env = { env: 'external', key: '' };
    if (!ttq._variation_id) ttq._variation_id = 'test_3';
    if (!ttq._server_unique_id) ttq._server_unique_id = serverId;

    Object.keys(ttq._i || {}).forEach(function (c) { registerPixel(S, c); });
    if (sdkid) registerPixel(S, sdkid);
    makeMethods(S, ttq, null);
    hookHistory(S);
    replay(S);
    startAutoEvents(S);
  }

  try { main(); } catch (e) { fail('install failed', e); }
})();
