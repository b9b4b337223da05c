/* The crew phone's service worker: keeps the phone page and its files for when there is no signal.
 * Pages: network first, the kept copy when the network fails. Static files: the kept copy first.
 * The API is left alone: the page itself keeps its data in IndexedDB and sends its entries later. */
var CACHE = "gx-phone-{{ version }}";
var SHELL = {{ shell_json|safe }};
var ASSETS = {{ assets_json|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(ASSETS).then(function () {
        return fetch(SHELL, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) return cache.put(SHELL, response);
        }).catch(function () {});
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key.indexOf("gx-phone-") === 0 && key !== CACHE; })
        .map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(SHELL, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(SHELL).then(function (cached) { return cached || Response.error(); });
      })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (cached) { return cached || fetch(request); }));
  }
});
