// A service worker that proxies every request of the pages it controls, and sends a pixel
// beacon of its own when the page fetches "sw-beacon" (a request the page never makes itself).
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', function (event) {
  if (event.request.url.endsWith('/sw-beacon')) {
    var body = JSON.stringify({event: 'FromServiceWorker', event_id: 'sw-1',
      context: {pixel: {code: 'CTESTPIXEL0000000001'}, page: {url: event.request.referrer}}, properties: {}});
    event.respondWith(fetch('https://analytics.tiktok.com/api/v2/pixel', {method: 'POST', body: body})
      .then(function () { return new Response('sent'); }, function () { return new Response('failed', {status: 502}); }));
    return;
  }
  event.respondWith(fetch(event.request));
});
