// ttq-harness call recorder: an init script that runs before any page script, in every frame.
//
// It records every call the page makes through the pixel's global (`ttq` or the name in
// TiktokAnalyticsObject), before and after the SDK loads, and through ttq.instance(code).
// It traps *assignments* of the methods with accessor properties, so the page's base code,
// the SDK and the page itself keep working on the very same objects; a call goes through a
// thin wrapper that reports it, then runs the real method unchanged.
// It also notes the body of every sendBeacon to a pixel host, for the rare case where the
// browser does not expose a beacon body to the network layer (some Blob bodies).
//
// Reports go to the Python side through the exposed binding __TTQ_BINDING__.
// The harness prepends: const __TTQ_HOSTS__ = [...]; const __TTQ_BINDING__ = "...";
(function () {
  'use strict';
  if (Object.prototype.hasOwnProperty.call(window, '__ttqHarnessRecorder')) return;
  Object.defineProperty(window, '__ttqHarnessRecorder', { value: true });

  var METHODS = ['page', 'track', 'identify', 'instances', 'debug', 'on', 'off', 'once', 'ready',
    'alias', 'group', 'enableCookie', 'disableCookie', 'holdConsent', 'revokeConsent',
    'grantConsent', 'load', 'instance'];
  var SELF = 'ttq-harness-recorder.js';
  var instrumented = new WeakSet();
  var depth = 0; // > 0 while a recorded call runs: nested ttq calls are the SDK's, not the page's

  var originalBeacon = window.Navigator && window.Navigator.prototype.sendBeacon;
  var serial = 0;
  var recordPrefix = Math.random().toString(36).slice(2, 10) + '-';
  // While the page unloads, binding calls may never reach the harness. Records made then also
  // go out as a beacon to a harness-only path on a pixel host, which the harness answers
  // locally; the harness drops whichever copy of a record arrives second (same id).
  var unloading = false;
  function markUnloading() { unloading = true; }
  function markShown() { unloading = false; }
  window.addEventListener('pagehide', markUnloading, true);
  window.addEventListener('beforeunload', markUnloading, true);
  window.addEventListener('pageshow', markShown, true);

  // Reports are batched: one binding call per task (a microtask flush) instead of one per
  // record, so a burst of calls does not wait on a binding round trip each; while the page
  // unloads, at once. A beacon a call caused may reach the harness before the batch: the
  // batch's beacon notes let the harness put it back after the call.
  var queue = [];
  var flushScheduled = false;
  var microtask = typeof window.queueMicrotask === 'function' ? window.queueMicrotask.bind(window)
    : function (fn) { Promise.resolve().then(fn); };
  function flush() {
    flushScheduled = false;
    var binding = window[__TTQ_BINDING__];
    if (typeof binding !== 'function' || !queue.length) return;
    var batch = queue;
    queue = [];
    try { binding(batch.length === 1 ? batch[0] : batch); } catch (e) { /* page closing */ }
  }

  function send(payload) {
    payload.id = recordPrefix + (serial++);
    if (unloading && typeof originalBeacon === 'function') {
      try {
        originalBeacon.call(navigator, 'https://' + __TTQ_HOSTS__[0] + '/__ttq_harness__/record',
          JSON.stringify(payload));
      } catch (e) { /* best effort */ }
    }
    queue.push(payload);
    if (unloading) { flush(); return; }
    if (!flushScheduled) { flushScheduled = true; microtask(flush); }
  }

  function isPixelUrl(url) {
    try { return __TTQ_HOSTS__.indexOf(new URL(String(url), location.href).hostname) >= 0; }
    catch (e) { return false; }
  }

  // JSON-safe copy of an argument. Values JSON cannot hold become {__ttq_type__: ...} so the
  // report shows what the page really passed (undefined, a function, NaN) instead of hiding it.
  function toJson(value, seen, level) {
    var type = typeof value;
    if (value === null || type === 'string' || type === 'boolean') return value;
    if (type === 'number') return isFinite(value) ? value : { __ttq_type__: 'number', value: String(value) };
    if (type === 'undefined') return { __ttq_type__: 'undefined' };
    if (type === 'bigint') return { __ttq_type__: 'bigint', value: String(value) };
    if (type === 'function') return { __ttq_type__: 'function', name: value.name || '' };
    if (type === 'symbol') return { __ttq_type__: 'symbol', value: String(value) };
    if (level > 32) return { __ttq_type__: 'too-deep' };
    if (seen.indexOf(value) >= 0) return { __ttq_type__: 'cycle' };
    if (value instanceof Date) return { __ttq_type__: 'Date', value: isNaN(value) ? 'Invalid Date' : value.toISOString() };
    if (typeof Element !== 'undefined' && value instanceof Element) return { __ttq_type__: 'Element', value: value.tagName };
    seen.push(value);
    var out;
    try {
      if (Array.isArray(value)) {
        out = [];
        for (var i = 0; i < value.length; i++) out.push(toJson(value[i], seen, level + 1));
      } else {
        out = {};
        for (var key in value) {
          if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = toJson(value[key], seen, level + 1);
        }
      }
    } catch (e) {
      out = { __ttq_type__: 'unreadable', value: String(e) };
    }
    seen.pop();
    return out;
  }

  // The first stack frame outside this recorder: where the page made the call.
  function callerLocation() {
    var stack = (new Error()).stack || '';
    var lines = stack.split('\n').slice(1);
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line.indexOf(SELF) >= 0) continue;
      var match = /\(?((?:https?|file|blob|data|chrome-extension):[^\s()]*?|[^\s()]+?):(\d+):(\d+)\)?\s*$/.exec(line);
      if (match) return match[1] + ':' + match[2] + ':' + match[3];
      return line.replace(/^\s*at\s+/, '');
    }
    return null;
  }

  function record(method, args, pixelCode) {
    var location = callerLocation();
    // Calls made by the SDK's own code (served from a pixel host) are not the page's calls.
    if (location && isPixelUrl(location.split(/:\d+:\d+$/)[0])) return;
    var copied = [];
    for (var i = 0; i < args.length; i++) copied.push(toJson(args[i], [], 0));
    send({
      kind: 'call', method: method, args: copied, pixel_code: pixelCode, document_id: recordPrefix,
      timestamp: Date.now() / 1000, frame_url: String(window.location.href),
      location: location
    });
  }

  function makeWrapper(name, impl, pixelCode) {
    return function () {
      if (depth === 0) {
        try { record(name, arguments, pixelCode); } catch (e) { /* never break the page */ }
      }
      depth++;
      var result;
      try { result = impl.apply(this, arguments); } finally { depth--; }
      if (name === 'instance') instrument(result, arguments.length ? String(arguments[0]) : null);
      return result;
    };
  }

  function trapMethod(obj, name, pixelCode) {
    var desc = Object.getOwnPropertyDescriptor(obj, name);
    if (desc && (!desc.configurable || !('value' in desc))) return; // leave accessors and frozen props alone
    var impl = desc ? desc.value : undefined;
    var wrapped = null;
    var wrappedImpl = null;
    Object.defineProperty(obj, name, {
      configurable: true,
      enumerable: desc ? desc.enumerable : true,
      get: function () {
        if (typeof impl !== 'function') return impl;
        if (wrappedImpl !== impl) { wrapped = makeWrapper(name, impl, pixelCode); wrappedImpl = impl; }
        return wrapped;
      },
      set: function (value) { impl = value; }
    });
  }

  function instrument(obj, pixelCode) {
    if (!obj || (typeof obj !== 'object' && typeof obj !== 'function')) return obj;
    if (instrumented.has(obj) || Object.isFrozen(obj)) return obj;
    instrumented.add(obj);
    for (var i = 0; i < METHODS.length; i++) trapMethod(obj, METHODS[i], pixelCode);
    return obj;
  }

  // The pixel's global is the base code's queue (an array) or an object with track (the SDK).
  function looksLikePixel(v) {
    return Array.isArray(v) || (!!v && (typeof v === 'object' || typeof v === 'function') &&
      typeof v.track === 'function');
  }

  // The page replaced the pixel's global with something else: later ttq calls cannot be
  // recorded (or throw). Reported as a harness observation, not as a ttq call.
  function reportOverwrite(name, next) {
    try {
      send({
        kind: 'observation', what: 'ttq-overwritten', args: [name, toJson(next, [], 0)],
        document_id: recordPrefix, timestamp: Date.now() / 1000,
        frame_url: String(window.location.href), location: callerLocation()
      });
    } catch (e) { /* never break the page */ }
  }

  function trapGlobal(name) {
    var desc = Object.getOwnPropertyDescriptor(window, name);
    if (desc && (!desc.configurable || !('value' in desc))) return;
    var value = desc ? instrument(desc.value, null) : undefined;
    Object.defineProperty(window, name, {
      configurable: true,
      enumerable: true,
      get: function () { return value; },
      set: function (next) {
        if (!looksLikePixel(next)) reportOverwrite(name, next);
        value = instrument(next, null);
      }
    });
  }

  trapGlobal('ttq');
  // The base code names its global in TiktokAnalyticsObject before creating it.
  var analyticsObject;
  Object.defineProperty(window, 'TiktokAnalyticsObject', {
    configurable: true,
    enumerable: true,
    get: function () { return analyticsObject; },
    set: function (name) {
      analyticsObject = name;
      if (typeof name === 'string' && name && name !== 'ttq') trapGlobal(name);
    }
  });

  // sendBeacon: keep a copy of pixel bodies; the call itself is passed through untouched.
  var nav = window.Navigator && window.Navigator.prototype;
  if (nav && typeof originalBeacon === 'function') {
    nav.sendBeacon = function sendBeacon(url, data) {
      var accepted = originalBeacon.apply(this, arguments);
      try {
        if (isPixelUrl(url)) {
          var absolute = new URL(String(url), location.href).href;
          var note = function (body, bodyType) {
            send({ kind: 'beacon', url: absolute, body: body, body_type: bodyType, accepted: accepted,
              timestamp: Date.now() / 1000, frame_url: String(window.location.href) });
          };
          if (data == null) note(null, 'none');
          else if (typeof data === 'string') note(data, 'string');
          else if (typeof Blob !== 'undefined' && data instanceof Blob) data.text().then(function (t) { note(t, 'Blob'); }, function () { note(null, 'Blob'); });
          else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) note(new TextDecoder().decode(data), 'ArrayBuffer');
          else if (typeof URLSearchParams !== 'undefined' && data instanceof URLSearchParams) note(data.toString(), 'URLSearchParams');
          else note(null, Object.prototype.toString.call(data));
        }
      } catch (e) { /* never break the page */ }
      return accepted;
    };
  }
})();
//# sourceURL=ttq-harness-recorder.js
