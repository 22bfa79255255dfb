{% autoescape off %}/* etime's service worker (rendered by etime.core.pwa.service_worker; issue #20).
 * - install: precache the app shell (hashed static URLs) and the self-service pages;
 * - fetch: pages network-first (kept fresh in the cache), falling back to the cached copy
 *   offline; static files cache-first; everything else (the API, POSTs) straight through;
 * - sync: Background Sync sends the offline queue (EtimeQueue, static/pwa/queue.js). */
"use strict";
const VERSION = {{ version }};
const SHELL = {{ shell }};
const PAGES = {{ pages }};
const SYNC_TAG = {{ sync_tag }};
const ME_URL = {{ me_url }};
const STATIC_CACHE = "etime-static-" + VERSION;
const PAGE_CACHE = "etime-pages";
const STATIC_PREFIX = {{ static_prefix }};
importScripts({{ queue_js }});

async function signedIn() {
  try {
    return (await fetch(ME_URL, { credentials: "same-origin", redirect: "manual" })).ok;
  } catch (error) {
    return false;
  }
}

async function cachePage(cache, url) {
  try {
    // Signed out meanwhile: "/" redirects to the login page. Not followed: keep nothing, and
    // let no login page answer here set a new CSRF cookie under a login form open in a tab.
    const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
    if (response.ok && response.type === "basic") await cache.put(url, response);
  } catch (error) { /* offline while installing: the page is kept on its next visit */ }
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll(SHELL);
    // Pages only for someone signed in, asked of a JSON endpoint first: a page fetched without
    // a session ends on the login page, whose answer sets a new CSRF cookie — under a login
    // form already open in a tab after signing out.
    if (await signedIn()) {
      const pages = await caches.open(PAGE_CACHE);
      await Promise.all(PAGES.map((url) => cachePage(pages, url)));
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("etime-static-") && name !== STATIC_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith((async () => {
      const pages = await caches.open(PAGE_CACHE);
      try {
        const response = await fetch(request);
        if (response.ok && !response.redirected && PAGES.includes(url.pathname) && !url.search) {
          await pages.put(url.pathname, response.clone());
        }
        return response;
      } catch (error) {
        const cached = (await pages.match(url.pathname)) || (await pages.match(PAGES[0]));
        if (cached) return cached;
        throw error;
      }
    })());
    return;
  }
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith((async () => {
      const cache = await caches.open(STATIC_CACHE);
      const cached = await cache.match(request);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    })());
  }
});

async function flushAndTell() {
  const outcome = await self.EtimeQueue.flush();
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage({ type: "etime-queue", outcome });
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(flushAndTell());
});

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "etime-flush") event.waitUntil(flushAndTell());
  if (data.type === "etime-signed-out") event.waitUntil(caches.delete(PAGE_CACHE));
});
{% endautoescape %}
