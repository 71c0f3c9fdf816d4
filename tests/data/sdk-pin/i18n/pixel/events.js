/* ttq-harness test fixture: the layout of TikTok's events.js, not its code. */
(function () {
  var config = {"pixelCode":"CPINNED0FIXTURE00001","name":"pinned fixture","status":"Active"};
  var script = document.currentScript;
  var src = new URL(script && script.src ? script.src : 'https://analytics.tiktok.com/i18n/pixel/events.js');
  var lib = src.searchParams.get('lib') || 'ttq';
  // Which pixel code each events.js run embedded: the tests read it back.
  (window.__ttqPinnedConfigs = window.__ttqPinnedConfigs || []).push(config.pixelCode);
  function load(path) {
    var s = document.createElement('script');
    s.src = src.origin + '/i18n/pixel/' + path;
    (document.head || document.documentElement).appendChild(s);
  }
  load('static/main.7f3c2a91d0.js?sdkid=' + encodeURIComponent(config.pixelCode) + '&lib=' + lib);
  load('static/identify_5b1e0c4d.js');
  load('config.js');
})();
