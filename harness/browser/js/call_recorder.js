// ttq-harness call recorder: an init script that runs before any page script, in every frame.
//
// It records every call the page makes through the pixel's global (`ttq` or the name in
// TiktokAnalyticsObject), before and after the SDK loads, and through ttq.instance(code).
// It traps *assignments* of the methods with accessor properties, so the page's base code,
// the SDK and the page itself keep working on the very same objects; a call goes through a
// thin wrapper that reports it, then runs the real method unchanged (same `this`, arguments,
// return value and exception).
// TikTok's SDK (pixel.js 2.1.33) installs its methods with Object.defineProperty (getters that
// return a fresh function, setters that ignore assignments), which no assignment trap sees:
// defineProperty, defineProperties and Reflect.defineProperty are therefore watched for the
// pixel's objects only, and the SDK's getters wrapped the same way.
// Page scripts may replace or break built-ins (Array.prototype.toJSON, a throwing
// Object.prototype.toJSON getter, Array.prototype.push, JSON.stringify…): the recorder uses
// only intrinsics captured before any page script ran, builds its reports from null-prototype
// objects (JSON.stringify then never meets a page's toJSON), and sends them as one string.
// It also notes the body of every sendBeacon to a pixel host, for the rare case where the
// browser does not expose a beacon body to the network layer (some Blob bodies).
//
// Reports go to the Python side through the exposed binding __TTQ_BINDING__; when that fails,
// as a beacon to a harness-only path on a pixel host (answered locally). What the recorder
// cannot do is reported too (kind 'recorder-error'): a blind spot must never be silent.
// The harness prepends: const __TTQ_HOSTS__ = [...]; const __TTQ_BINDING__ = "...";
(function () {
  'use strict';
  // -- intrinsics, captured before any page script can replace them ---------------------------
  var win = window;
  var ObjectC = Object;
  var defineProperty = ObjectC.defineProperty;
  var originalDefineProperties = ObjectC.defineProperties;
  var getOwnPropertyDescriptor = ObjectC.getOwnPropertyDescriptor;
  var getPrototypeOf = ObjectC.getPrototypeOf;
  var setPrototypeOf = ObjectC.setPrototypeOf;
  var objectKeys = ObjectC.keys;
  var isFrozen = ObjectC.isFrozen;
  var ObjectProto = ObjectC.prototype;
  var hasOwnProperty = ObjectProto.hasOwnProperty;
  var objectToString = ObjectProto.toString;
  var ReflectO = Reflect;
  var apply = ReflectO.apply;
  var reflectGet = ReflectO.get;
  var reflectDefineProperty = ReflectO.defineProperty;
  var deleteProperty = ReflectO.deleteProperty;
  var JSONO = JSON;
  var stringify = JSONO.stringify;
  var isArray = Array.isArray;
  var ArrayProto = Array.prototype;
  var StringC = String;
  var StringProto = StringC.prototype;
  var indexOfString = StringProto.indexOf;
  var sliceString = StringProto.slice;
  var regexpExec = RegExp.prototype.exec;
  var ErrorC = Error;
  var DateC = Date;
  var dateNow = DateC.now;
  var toISOString = DateC.prototype.toISOString;
  var getTime = DateC.prototype.getTime;
  var random = Math.random;
  var isFiniteF = isFinite;
  var WeakSetC = WeakSet;
  var weakSetHas = WeakSetC.prototype.has;
  var weakSetAdd = WeakSetC.prototype.add;
  var WeakMapC = WeakMap;
  var weakMapGet = WeakMapC.prototype.get;
  var weakMapSet = WeakMapC.prototype.set;
  var weakMapHas = WeakMapC.prototype.has;
  var URLC = URL;
  var urlHostname = getOwnPropertyDescriptor(URLC.prototype, 'hostname').get;
  var urlHref = getOwnPropertyDescriptor(URLC.prototype, 'href').get;
  var ElementC = typeof Element !== 'undefined' ? Element : null;
  var tagName = ElementC && getOwnPropertyDescriptor(ElementC.prototype, 'tagName').get;
  var BlobC = typeof Blob !== 'undefined' ? Blob : null;
  var blobText = BlobC && BlobC.prototype.text;
  var ArrayBufferC = ArrayBuffer;
  var isView = ArrayBufferC.isView;
  var TextDecoderC = TextDecoder;
  var decode = TextDecoderC.prototype.decode;
  var URLSearchParamsC = typeof URLSearchParams !== 'undefined' ? URLSearchParams : null;
  var paramsToString = URLSearchParamsC && URLSearchParamsC.prototype.toString;
  var promiseThen = Promise.prototype.then;
  var resolved = Promise.resolve();
  var addEventListener = EventTarget.prototype.addEventListener;
  var NavigatorProto = win.Navigator && win.Navigator.prototype;
  var originalBeacon = NavigatorProto && NavigatorProto.sendBeacon;
  var nav = win.navigator;
  var loc = win.location;
  var topWindow = win.top;
  var microtask = typeof win.queueMicrotask === 'function' ? win.queueMicrotask : null;
  // the native timer functions (the recorder's own timer is no page timer: see the end)
  var setTimer = win.setTimeout;
  var clearTimer = win.clearTimeout;

  function call(fn, self) {
    var args = [];
    for (var i = 2; i < arguments.length; i++) args[args.length] = arguments[i];
    return apply(fn, self, args);
  }
  function has(obj, key) { return call(hasOwnProperty, obj, key); }
  function push(list, item) { list[list.length] = item; }
  function contains(list, item) {
    for (var i = 0; i < list.length; i++) if (list[i] === item) return true;
    return false;
  }
  // Records are built from null-prototype objects and arrays: JSON.stringify then never looks
  // up a toJSON the page put on Object.prototype or Array.prototype.
  function bare() { return setPrototypeOf({}, null); }
  function bareArray() { return setPrototypeOf([], null); }
  function list() {
    var out = bareArray();
    for (var i = 0; i < arguments.length; i++) push(out, arguments[i]);
    return out;
  }
  function messageOf(error) {
    try {
      if (error && typeof error === 'object' && error.message !== undefined) return StringC(error.message);
      return StringC(error);
    } catch (e) { return 'unprintable error'; }
  }
  // String helpers that consult no page-replaceable Symbol.split / Symbol.replace.
  function lines(text) {
    var out = [];
    var start = 0;
    for (;;) {
      var end = call(indexOfString, text, '\n', start);
      if (end < 0) { push(out, call(sliceString, text, start)); return out; }
      push(out, call(sliceString, text, start, end));
      start = end + 1;
    }
  }
  function record(fields) {
    var out = bare();
    var keys = objectKeys(fields);
    for (var i = 0; i < keys.length; i++) out[keys[i]] = fields[keys[i]];
    return out;
  }
  function href() { try { return StringC(loc.href); } catch (e) { return null; } }
  function now() { return call(dateNow, DateC) / 1000; }

  if (call(hasOwnProperty, win, '__ttqHarnessRecorder')) return;
  defineProperty(win, '__ttqHarnessRecorder', { value: true });

  var METHODS = ['page', 'track', 'identify', 'instances', 'debug', 'on', 'off', 'once', 'ready',
    'alias', 'group', 'enableCookie', 'disableCookie', 'holdConsent', 'revokeConsent',
    'grantConsent', 'load', 'instance'];
  var SELF = 'ttq-harness-recorder.js';
  var instrumented = new WeakSetC();
  var pixelOf = new WeakMapC(); // instrumented object -> the pixel code it is bound to (or null)
  var wrappers = new WeakMapC(); // real method -> its recording wrapper
  var depth = 0; // > 0 while a recorded call runs: nested ttq calls are the SDK's, not the page's

  var serial = 0;
  var recordPrefix = call(sliceString, call(Number.prototype.toString, random(), 36), 2, 10) + '-';
  var binding = null;
  function currentBinding() {
    var found = null;
    try { found = win[__TTQ_BINDING__]; } catch (e) { /* ignore */ }
    if (typeof found === 'function') binding = found;
    return binding;
  }
  currentBinding();

  // While the page unloads, binding calls may never reach the harness. Records made then also
  // go out as a beacon to a harness-only path on a pixel host, which the harness answers
  // locally; the harness drops whichever copy of a record arrives second (same id).
  var unloading = false;
  call(addEventListener, win, 'pagehide', function () {
    unloading = true;
    // What waits for a later batch (a stray beacon's note, the hello) leaves now, both ways:
    // no timer runs once the document is gone.
    if (!queue.length) return;
    if (helloHeld) hello.unloading = true; // the frame's next document may be known already
    try { harnessBeacon(call(stringify, JSONO, queue)); } catch (e) { /* the binding still tries */ }
    flush();
  }, true);
  call(addEventListener, win, 'beforeunload', function () {
    // A navigation is about to start: a held hello leaves while the document can still reach
    // the harness, before the next document's response (Documents matches it to its own).
    if (helloHeld) flush();
    unloading = true;
  }, true);
  call(addEventListener, win, 'pageshow', function () { unloading = false; }, true);

  function harnessBeacon(text) {
    if (typeof originalBeacon !== 'function') return false;
    try {
      return !!call(originalBeacon, nav, 'https://' + __TTQ_HOSTS__[0] + '/__ttq_harness__/record',
        text);
    } catch (e) { return false; }
  }

  // While the binding serialises its argument, the page's toJSON methods and a replaced
  // JSON.stringify are set aside (Playwright's binding code runs in the page's world).
  function withPristineJson(fn) {
    var saved = [];
    var protos = [ObjectProto, ArrayProto, StringProto];
    for (var i = 0; i < protos.length; i++) {
      var desc = getOwnPropertyDescriptor(protos[i], 'toJSON');
      if (desc && desc.configurable && deleteProperty(protos[i], 'toJSON')) push(saved, [protos[i], desc]);
    }
    var json = getOwnPropertyDescriptor(JSONO, 'stringify');
    var swapped = !!json && json.value !== stringify && json.configurable &&
      reflectDefineProperty(JSONO, 'stringify', { value: stringify, writable: true, configurable: true });
    try { return fn(); } finally {
      if (swapped) reflectDefineProperty(JSONO, 'stringify', json);
      for (var j = 0; j < saved.length; j++) reflectDefineProperty(saved[j][0], 'toJSON', saved[j][1]);
    }
  }

  // Reports are batched: one binding call per task (a microtask flush) instead of one per
  // record, so a burst of calls does not wait on a binding round trip each; while the page
  // unloads, at once. A beacon a call caused may reach the harness before the batch: the
  // batch's beacon notes let the harness put it back after the call.
  // A note with no call in its task (the SDK sending later, on a timer) orders nothing: it
  // waits up to NOTE_DELAY ms to ride with the next batch, so a page's stray notes cost one
  // binding call instead of one each (each is a round trip to the harness), and is marked
  // `deferred` so the harness does not move its beacon after that batch's calls. The
  // harness's "is the page idle?" question and unloading flush it at once.
  var NOTE_DELAY = 200;
  var queue = bareArray();
  var flushScheduled = false;
  var noteTimer = null;
  var deferScheduled = false;
  var helloHeld = false; // the hello waits to ride with the first batch (see the end)
  function later(fn) {
    if (microtask) { try { call(microtask, win, fn); return; } catch (e) { /* fall through */ } }
    call(promiseThen, resolved, fn);
  }
  function schedule() {
    if (flushScheduled) return;
    flushScheduled = true;
    later(flush);
  }
  // At the end of the note's task: no batch is leaving with it, so it waits.
  function deferNotes() {
    deferScheduled = false;
    if (flushScheduled) return;
    for (var i = 0; i < queue.length; i++) if (queue[i].kind === 'beacon') queue[i].deferred = true;
    if (noteTimer !== null) return;
    try {
      noteTimer = call(setTimer, win, function () { noteTimer = null; flush(); }, NOTE_DELAY);
    } catch (e) { flush(); }
  }
  function scheduleNote() {
    if (flushScheduled || deferScheduled) return;
    deferScheduled = true;
    later(deferNotes);
  }
  function flush() {
    flushScheduled = false;
    helloHeld = false;
    if (noteTimer !== null) {
      try { call(clearTimer, win, noteTimer); } catch (e) { /* it finds the queue empty */ }
      noteTimer = null;
    }
    if (!queue.length) return;
    var batch = queue;
    queue = bareArray();
    var text;
    try { text = call(stringify, JSONO, batch); } catch (e) {
      text = call(stringify, JSONO, list(failure('serialise', e)));
    }
    var fn = currentBinding();
    var sent = false;
    if (typeof fn === 'function') {
      try {
        var promise = withPristineJson(function () { return fn(text); });
        sent = true;
        // The harness could not take it (e.g. the binding's own code broke): send it again
        // the other way; the harness keeps one copy of each record.
        if (promise && typeof promise === 'object') {
          call(promiseThen, promise, null, function () { harnessBeacon(text); });
        }
      } catch (e) { sent = false; }
    }
    if (!sent) harnessBeacon(text);
  }

  // `held`: queued without a flush of its own; it leaves with the next batch.
  function send(payload, held) {
    payload.id = recordPrefix + (serial++);
    payload.document_id = recordPrefix;
    if (unloading) {
      try { harnessBeacon(call(stringify, JSONO, payload)); } catch (e) { /* best effort */ }
    }
    push(queue, payload);
    if (unloading) { flush(); return; }
    if (held) return;
    if (payload.kind === 'beacon') scheduleNote(); else schedule();
  }

  // What the recorder could not do, once per reason: the harness turns it into an error
  // finding (capture health), so a blind spot is never silent.
  var reported = bare();
  function failure(what, error) {
    return record({ kind: 'recorder-error', what: what, args: list(what, call(sliceString, messageOf(error), 0, 500)),
      id: recordPrefix + 'error-' + (serial++), document_id: recordPrefix, timestamp: now(),
      frame_url: href() });
  }
  function reportFailure(what, error) {
    try {
      var key = what + ':' + messageOf(error);
      if (reported[key]) return;
      reported[key] = true;
      push(queue, failure(what, error));
      schedule();
    } catch (e) { /* nothing left to report with */ }
  }

  function isPixelUrl(url) {
    try {
      var host = call(urlHostname, new URLC(StringC(url), href()));
      if (host.length && host[host.length - 1] === '.') host = call(sliceString, host, 0, -1);
      return contains(__TTQ_HOSTS__, host);
    } catch (e) { return false; }
  }

  // JSON-safe copy of an argument. Values JSON cannot hold become {__ttq_type__: ...} so the
  // report shows what the page really passed (undefined, a function, NaN) instead of hiding it.
  function marker(type, fields) {
    var out = bare();
    out.__ttq_type__ = type;
    if (fields) { var keys = objectKeys(fields); for (var i = 0; i < keys.length; i++) out[keys[i]] = fields[keys[i]]; }
    return out;
  }
  function toJson(value, seen, level) {
    var type = typeof value;
    if (value === null || type === 'string' || type === 'boolean') return value;
    if (type === 'number') return isFiniteF(value) ? value : marker('number', { value: StringC(value) });
    if (type === 'undefined') return marker('undefined');
    if (type === 'bigint') return marker('bigint', { value: StringC(value) });
    if (type === 'function') {
      var name = '';
      try { name = typeof value.name === 'string' ? value.name : ''; } catch (e) { /* ignore */ }
      return marker('function', { name: name });
    }
    if (type === 'symbol') { try { return marker('symbol', { value: StringC(value) }); } catch (e) { return marker('symbol'); } }
    if (level > 32) return marker('too-deep');
    if (contains(seen, value)) return marker('cycle');
    if (value instanceof DateC) {
      var time = call(getTime, value);
      return marker('Date', { value: time !== time ? 'Invalid Date' : call(toISOString, value) });
    }
    if (ElementC && value instanceof ElementC) return marker('Element', { value: call(tagName, value) });
    push(seen, value);
    var out;
    try {
      if (isArray(value)) {
        out = bareArray();
        for (var i = 0; i < value.length; i++) push(out, toJson(value[i], seen, level + 1));
      } else {
        out = bare();
        var keys = objectKeys(value);
        for (var k = 0; k < keys.length; k++) out[keys[k]] = toJson(value[keys[k]], seen, level + 1);
      }
    } catch (e) {
      out = marker('unreadable', { value: StringC(e && e.message) });
    }
    seen.length = seen.length - 1;
    return out;
  }

  // The first stack frame outside this recorder: where the page made the call. A page's
  // Error.prepareStackTrace or Error.stackTraceLimit is set aside while the stack is taken.
  var FRAME = /\(?((?:https?|file|blob|data|chrome-extension):[^\s()]*?|[^\s()]+?):(\d+):(\d+)\)?\s*$/;
  var AT = /^\s*at\s+([\s\S]*)$/;
  var POSITION = /^([\s\S]*?):\d+:\d+$/;
  function stackText() {
    var prepare = getOwnPropertyDescriptor(ErrorC, 'prepareStackTrace');
    var limit = getOwnPropertyDescriptor(ErrorC, 'stackTraceLimit');
    if (prepare) deleteProperty(ErrorC, 'prepareStackTrace');
    reflectDefineProperty(ErrorC, 'stackTraceLimit', { value: 30, writable: true, configurable: true, enumerable: true });
    try {
      var stack = new ErrorC().stack;
      return typeof stack === 'string' ? stack : '';
    } finally {
      if (prepare) reflectDefineProperty(ErrorC, 'prepareStackTrace', prepare);
      if (limit) reflectDefineProperty(ErrorC, 'stackTraceLimit', limit);
    }
  }
  function callerLocation() {
    var frames = lines(stackText());
    for (var i = 1; i < frames.length; i++) {
      var line = frames[i];
      if (call(indexOfString, line, SELF) >= 0) continue;
      var match = call(regexpExec, FRAME, line);
      if (match) return match[1] + ':' + match[2] + ':' + match[3];
      var bare_ = call(regexpExec, AT, line);
      return bare_ ? bare_[1] : line;
    }
    return null;
  }

  function recordCall(method, args, pixelCode) {
    var location = callerLocation();
    // Calls made by the SDK's own code (served from a pixel host) are not the page's calls.
    var script = location && call(regexpExec, POSITION, location);
    if (script && isPixelUrl(script[1])) return;
    var copied = bareArray();
    for (var i = 0; i < args.length; i++) push(copied, toJson(args[i], [], 0));
    send(record({
      kind: 'call', method: method, args: copied, pixel_code: pixelCode,
      timestamp: now(), frame_url: href(), location: location
    }));
  }

  function wrap(name, impl, pixelCode) {
    if (typeof impl !== 'function') return impl;
    var cached = call(weakMapGet, wrappers, impl);
    if (cached && cached.name === name && cached.pixel === pixelCode) return cached.fn;
    var fn = function () {
      if (depth === 0) {
        try { recordCall(name, arguments, pixelCode); } catch (e) { reportFailure('record ' + name, e); }
      }
      depth++;
      var result;
      try { result = apply(impl, this, arguments); } finally { depth--; }
      if (name === 'instance') instrument(result, arguments.length ? StringC(arguments[0]) : null);
      return result;
    };
    call(weakMapSet, wrappers, impl, { name: name, pixel: pixelCode, fn: fn });
    return fn;
  }

  // An accessor the SDK defined (getter returning the method): same flags, its getter's
  // result wrapped, its setter kept as it is.
  function wrapAccessor(desc, name, pixelCode) {
    var out = {};
    if (has(desc, 'enumerable')) out.enumerable = desc.enumerable;
    if (has(desc, 'configurable')) out.configurable = desc.configurable;
    if (has(desc, 'set')) out.set = desc.set;
    if (has(desc, 'get')) {
      var getter = desc.get;
      out.get = typeof getter !== 'function' ? getter : function () {
        return wrap(name, apply(getter, this, arguments), pixelCode);
      };
    }
    return out;
  }

  function trapMethod(obj, name, pixelCode) {
    var desc = getOwnPropertyDescriptor(obj, name);
    if (desc && !desc.configurable) return; // frozen by its owner: nothing to wrap without breaking it
    if (desc && !has(desc, 'value')) {
      if (typeof desc.get === 'function') defineProperty(obj, name, wrapAccessor(desc, name, pixelCode));
      return;
    }
    // An own method is kept (and replaced by assignments); an inherited one (the SDK's pixel
    // objects keep theirs on a prototype) is read through until the object gets its own.
    var own = !!desc;
    var impl = desc ? desc.value : undefined;
    var writable = desc ? desc.writable : true;
    defineProperty(obj, name, {
      configurable: true,
      enumerable: desc ? desc.enumerable : false,
      get: function () {
        var value = own ? impl : reflectGet(getPrototypeOf(obj) || bare(), name, this);
        return wrap(name, value, pixelCode);
      },
      set: function (value) {
        if (!writable) return;
        // The first assignment creates the property, as it would without the recorder:
        // enumerable from then on.
        if (!own) { own = true; reflectDefineProperty(obj, name, { enumerable: true }); }
        impl = value;
      }
    });
  }

  function instrument(obj, pixelCode) {
    if (!obj || (typeof obj !== 'object' && typeof obj !== 'function')) return obj;
    if (call(weakSetHas, instrumented, obj)) return obj;
    try { if (isFrozen(obj)) return obj; } catch (e) { return obj; }
    call(weakSetAdd, instrumented, obj);
    call(weakMapSet, pixelOf, obj, pixelCode);
    for (var i = 0; i < METHODS.length; i++) {
      try { trapMethod(obj, METHODS[i], pixelCode); } catch (e) { reportFailure('instrument ' + METHODS[i], e); }
    }
    return obj;
  }

  // A definition of one of the pixel's methods on an instrumented object (the SDK's way),
  // or of the pixel's global on window: turned into what the recorder can follow.
  var globals = bare(); // pixel global name -> its setter (trapGlobal)
  function adjusted(target, key, desc) {
    if (!desc || (typeof desc !== 'object' && typeof desc !== 'function')) return null;
    if (typeof key !== 'string') return null;
    if (target === win && globals[key] && has(desc, 'value')) return 'global';
    if (!call(weakSetHas, instrumented, target) || !contains(METHODS, key)) return null;
    var pixelCode = call(weakMapHas, pixelOf, target) ? call(weakMapGet, pixelOf, target) : null;
    if (has(desc, 'get') || has(desc, 'set')) return wrapAccessor(desc, key, pixelCode);
    if (has(desc, 'value') && typeof desc.value === 'function') {
      if (desc.configurable) return 'retrap';
      var out = {};
      var keys = objectKeys(desc);
      for (var i = 0; i < keys.length; i++) out[keys[i]] = desc[keys[i]];
      out.value = wrap(key, desc.value, pixelCode);
      return out;
    }
    return null;
  }
  function defineWatched(original, target, key, desc) {
    var change = null;
    try { change = adjusted(target, key, desc); } catch (e) { reportFailure('watch defineProperty', e); }
    if (change === 'global') { globals[key](desc.value); return true; }
    if (change === 'retrap') {
      var done = apply(original, null, [target, key, desc]);
      try { trapMethod(target, key, call(weakMapGet, pixelOf, target)); } catch (e) { reportFailure('instrument ' + key, e); }
      return done;
    }
    return apply(original, null, [target, key, change || desc]);
  }
  function watchDefine() {
    var patched = function defineProperty(target, key, desc) {
      defineWatched(defineProperty_, target, key, desc);
      return target;
    };
    var defineProperty_ = defineProperty;
    var patchedReflect = function defineProperty(target, key, desc) {
      return defineWatched(reflectDefineProperty, target, key, desc);
    };
    var patchedMany = function defineProperties(target, props) {
      if (!call(weakSetHas, instrumented, target) && target !== win) return apply(originalDefineProperties, null, [target, props]);
      var keys = objectKeys(ObjectC(props));
      for (var i = 0; i < keys.length; i++) defineWatched(defineProperty_, target, keys[i], props[keys[i]]);
      return target;
    };
    var replace = function (owner, name, fn, length) {
      defineProperty(fn, 'length', { value: length });
      var desc = getOwnPropertyDescriptor(owner, name);
      defineProperty(owner, name, { value: fn, writable: desc.writable, enumerable: desc.enumerable, configurable: desc.configurable });
    };
    replace(ObjectC, 'defineProperty', patched, 3);
    replace(ObjectC, 'defineProperties', patchedMany, 2);
    replace(ReflectO, 'defineProperty', patchedReflect, 3);
  }
  try { watchDefine(); } catch (e) { reportFailure('watch defineProperty', e); }

  // The pixel's global is the base code's queue (an array) or an object with track (the SDK).
  function looksLikePixel(v) {
    try {
      return isArray(v) || (!!v && (typeof v === 'object' || typeof v === 'function') &&
        typeof v.track === 'function');
    } catch (e) { return false; }
  }

  // The page replaced the pixel's global with something else: later ttq calls cannot be
  // recorded (or throw). Reported as a harness observation, not as a ttq call.
  function reportOverwrite(name, next) {
    try {
      send(record({
        kind: 'observation', what: 'ttq-overwritten', args: list(name, toJson(next, [], 0)),
        timestamp: now(), frame_url: href(), location: callerLocation()
      }));
    } catch (e) { reportFailure('report overwrite', e); }
  }

  // Once per document and global: the page has a pixel (evidence for "no pixel on this page").
  var announced = bare();
  function announcePixel(name) {
    if (announced[name]) return;
    announced[name] = true;
    send(record({ kind: 'pixel-global', name: name, timestamp: now(), frame_url: href() }));
  }

  function trapGlobal(name) {
    var desc = getOwnPropertyDescriptor(win, name);
    if (desc && (!desc.configurable || !has(desc, 'value'))) {
      reportFailure('trap window.' + name, 'window.' + name + ' is not configurable');
      return;
    }
    var value;
    var assign = function (next) {
      if (!looksLikePixel(next)) reportOverwrite(name, next);
      else announcePixel(name);
      value = instrument(next, null);
    };
    globals[name] = assign;
    if (desc) assign(desc.value);
    defineProperty(win, name, {
      configurable: true,
      enumerable: true,
      get: function () { return value; },
      set: assign
    });
  }

  try { trapGlobal('ttq'); } catch (e) { reportFailure('trap window.ttq', e); }
  // The base code names its global in TiktokAnalyticsObject before creating it.
  var analyticsObject;
  try {
    defineProperty(win, 'TiktokAnalyticsObject', {
      configurable: true,
      enumerable: true,
      get: function () { return analyticsObject; },
      set: function (name) {
        analyticsObject = name;
        if (typeof name === 'string' && name && !globals[name]) {
          try { trapGlobal(name); } catch (e) { reportFailure('trap window.' + name, e); }
        }
      }
    });
  } catch (e) { reportFailure('trap TiktokAnalyticsObject', e); }

  // sendBeacon: keep a copy of pixel bodies; the call itself is passed through untouched.
  if (NavigatorProto && typeof originalBeacon === 'function') {
    try {
      NavigatorProto.sendBeacon = function sendBeacon(url, data) {
        var accepted = apply(originalBeacon, this, arguments);
        try {
          if (isPixelUrl(url)) {
            var absolute = call(urlHref, new URLC(StringC(url), href()));
            var note = function (body, bodyType) {
              send(record({ kind: 'beacon', url: absolute, body: body, body_type: bodyType, accepted: accepted,
                timestamp: now(), frame_url: href() }));
            };
            if (data == null) note(null, 'none');
            else if (typeof data === 'string') note(data, 'string');
            else if (BlobC && data instanceof BlobC) call(promiseThen, call(blobText, data), function (t) { note(t, 'Blob'); }, function () { note(null, 'Blob'); });
            else if (data instanceof ArrayBufferC || isView(data)) note(call(decode, new TextDecoderC(), data), 'ArrayBuffer');
            else if (URLSearchParamsC && data instanceof URLSearchParamsC) note(call(paramsToString, data), 'URLSearchParams');
            else note(null, call(objectToString, data));
          }
        } catch (e) { reportFailure('note sendBeacon', e); }
        return accepted;
      };
    } catch (e) { reportFailure('watch sendBeacon', e); }
  }

  // What may still run, for the harness's "is the page idle?" question: a plan step ends once
  // no timer is due within its quiet window, no animation-frame or idle callback is pending,
  // no request is in flight and the reports are flushed, instead of always waiting the whole
  // window. Only due times and counts are kept; a function callback is wrapped just to forget
  // it once it ran (same `this`, arguments, return value and exceptions).
  var timers = null;
  try {
    var MapC = Map;
    var mapSet = MapC.prototype.set;
    var mapDelete = MapC.prototype['delete'];
    var mapForEach = MapC.prototype.forEach;
    var sizeOf = getOwnPropertyDescriptor(MapC.prototype, 'size').get;
    var perf = win.performance;
    var perfNow = perf.now;
    var clock = function () { return call(perfNow, perf); };
    timers = new MapC(); // id -> [due (ms), period (0: a timeout), runs a function]
    var frames = new MapC(); // requestAnimationFrame / requestIdleCallback id -> true
    var forgetStale = function () {
      // Only a string handler's timeout is never seen to run: forget it once long overdue.
      var t = clock();
      var stale = [];
      call(mapForEach, timers, function (entry, id) {
        if (!entry[1] && !entry[2] && entry[0] < t - 1000) push(stale, id);
      });
      for (var i = 0; i < stale.length; i++) call(mapDelete, timers, stale[i]);
    };
    var watchTimer = function (native, repeat) {
      return function (handler) {
        var args = [];
        for (var i = 0; i < arguments.length; i++) args[i] = arguments[i];
        // The delay as the browser reads it (WebIDL long: ToInt32, negative is 0), read once
        // and handed on as that number, so a page's valueOf runs once, as natively.
        var delay = args.length > 1 ? (args[1] | 0) : 0;
        if (delay < 0) delay = 0;
        if (args.length > 1) args[1] = delay;
        var id;
        var runs = typeof handler === 'function';
        if (runs && !repeat) {
          var original = handler;
          args[0] = function () { call(mapDelete, timers, id); return apply(original, this, arguments); };
        }
        id = apply(native, this, args);
        try {
          if (call(sizeOf, timers) > 10000) forgetStale();
          call(mapSet, timers, id, [clock() + delay, repeat ? (delay < 4 ? 4 : delay) : 0, runs]);
        } catch (e) { /* the timer runs regardless */ }
        return id;
      };
    };
    var forget = function (native, map) {
      return function (id) {
        // The recorder's note timer is not the page's to clear: a page that clears every
        // timer id would otherwise strand the waiting notes until the next batch.
        if (map === timers && noteTimer !== null && id === noteTimer) return undefined;
        try { call(mapDelete, map, id); } catch (e) { /* ignore */ }
        return apply(native, this, arguments);
      };
    };
    var watchFrame = function (native) {
      return function (callback) {
        var args = [];
        for (var i = 0; i < arguments.length; i++) args[i] = arguments[i];
        var id;
        if (typeof callback === 'function') {
          args[0] = function () { call(mapDelete, frames, id); return apply(callback, this, arguments); };
        }
        id = apply(native, this, args);
        try { if (typeof callback === 'function') call(mapSet, frames, id, true); } catch (e) { /* ignore */ }
        return id;
      };
    };
    var nativeClearTimeout = win.clearTimeout;
    var nativeClearInterval = win.clearInterval;
    win.setTimeout = watchTimer(win.setTimeout, false);
    win.setInterval = watchTimer(win.setInterval, true);
    win.clearTimeout = forget(nativeClearTimeout, timers);
    win.clearInterval = forget(nativeClearInterval, timers);
    if (typeof win.requestAnimationFrame === 'function') {
      var nativeCancelFrame = win.cancelAnimationFrame;
      win.requestAnimationFrame = watchFrame(win.requestAnimationFrame);
      if (typeof nativeCancelFrame === 'function') win.cancelAnimationFrame = forget(nativeCancelFrame, frames);
    }
    if (typeof win.requestIdleCallback === 'function') {
      // ids of the two kinds may coincide: an idle callback is tracked under a negative key
      var nativeIdle = win.requestIdleCallback;
      var nativeCancelIdle = win.cancelIdleCallback;
      win.requestIdleCallback = function (callback) {
        var args = [];
        for (var i = 0; i < arguments.length; i++) args[i] = arguments[i];
        var id;
        if (typeof callback === 'function') {
          args[0] = function () { call(mapDelete, frames, -id); return apply(callback, this, arguments); };
        }
        id = apply(nativeIdle, this, args);
        try { if (typeof callback === 'function') call(mapSet, frames, -id, true); } catch (e) { /* ignore */ }
        return id;
      };
      if (typeof nativeCancelIdle === 'function') {
        win.cancelIdleCallback = function (id) {
          try { call(mapDelete, frames, -id); } catch (e) { /* ignore */ }
          return apply(nativeCancelIdle, this, arguments);
        };
      }
    }
    // How much may still run within `windowMs` (0: nothing): timers due by then (an
    // interval at most that long apart counts always), and pending frame or idle callbacks.
    defineProperty(win, '__ttqHarnessPending', {
      value: function (windowMs) {
        flush(); // reports made before the question reach the harness before its answer
        forgetStale();
        var t = clock();
        var due = call(sizeOf, frames);
        call(mapForEach, timers, function (entry) {
          var at = entry[0];
          var period = entry[1];
          if (period) {
            if (period <= windowMs) due++;
            else {
              if (at < t) at += period * (((t - at) / period | 0) + 1);
              if (at <= t + windowMs) due++;
            }
          } else if (at <= t + windowMs) due++;
        });
        return due;
      }
    });
  } catch (e) { reportFailure('watch timers', e); }

  // The harness learns which documents have a recorder: one that never says hello was blind.
  // Each binding call is a round trip through Playwright (about 2 ms of CPU), so a document
  // still parsing holds its hello for its first batch: the base code's ttq.load and
  // ttq.page() usually run while it parses. It leaves by itself at DOMContentLoaded, at the
  // harness's idle question or when the document unloads (pagehide, above). A document
  // already parsed (a new page's first about:blank) says hello at once.
  var hello = record({ kind: 'hello', timestamp: now(), frame_url: href(), top: topWindow === win });
  var parsing = false;
  try { parsing = win.document.readyState === 'loading'; } catch (e) { /* say it at once */ }
  if (parsing) {
    helloHeld = true;
    send(hello, true);
    call(addEventListener, win, 'DOMContentLoaded', function () { if (helloHeld) schedule(); }, true);
  } else {
    send(hello);
  }
})();
//# sourceURL=ttq-harness-recorder.js
