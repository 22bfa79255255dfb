/* etime's offline queue (issue #20), shared by the pages (static/pwa/pwa.js) and the service
 * worker (templates/pwa/sw.js): IndexedDB holds this browser's device credential per signed-in
 * person and the actions queued while offline, each with the idempotency key it was given
 * when it was queued. flush() sends them; the server applies each key once, so two tabs, a
 * retry or Background Sync sending the same item again change nothing (docs/API.md
 * "Offline actions"). */
(function (scope) {
  "use strict";
  const DB_NAME = "etime-offline";
  const OFFLINE_URL = "/api/v1/offline-actions/";
  const CONTACT_URL = "/api/v1/client-devices/contact/";
  const CREDENTIAL_REFUSED = ["device_credential_invalid", "device_credential_revoked"];
  const CONTACT_EVERY_MS = 5 * 60 * 1000;
  let database = null;
  let flushing = null;

  function open() {
    if (database) return database;
    database = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("credentials", { keyPath: "user" });
        db.createObjectStore("queue", { keyPath: "key" });
        db.createObjectStore("failed", { keyPath: "key" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { database = null; reject(request.error); };
    });
    return database;
  }

  async function run(store, mode, operation) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(store, mode);
      const request = operation(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  const all = (store) => run(store, "readonly", (s) => s.getAll());
  const get = (store, key) => run(store, "readonly", (s) => s.get(key));
  const put = (store, value) => run(store, "readwrite", (s) => s.put(value));
  const remove = (store, key) => run(store, "readwrite", (s) => s.delete(key));

  function byTime(a, b) { return a.recorded_at < b.recorded_at ? -1 : a.recorded_at > b.recorded_at ? 1 : 0; }

  async function send(item, credential) {
    return fetch(OFFLINE_URL, {
      method: "POST",
      credentials: "omit",  // the device credential alone: no session, no CSRF token
      headers: { "Content-Type": "application/json", Authorization: "Device " + credential.credential },
      body: JSON.stringify({
        key: item.key, action: item.action, recorded_at: item.recorded_at,
        device_now: new Date().toISOString(), data: item.data || {},
      }),
    });
  }

  async function flushOnce() {
    const outcome = { sent: 0, failed: 0, waiting: 0 };
    const blocked = new Set();  // people whose sending stopped: keep the rest of their queue in order
    const items = (await all("queue")).sort(byTime);
    for (const item of items) {
      if (blocked.has(item.user)) { outcome.waiting += 1; continue; }
      const credential = await get("credentials", item.user);
      if (!credential) { blocked.add(item.user); outcome.waiting += 1; continue; }
      let response;
      try {
        response = await send(item, credential);
      } catch (error) {  // still offline
        blocked.add(item.user); outcome.waiting += 1; continue;
      }
      if (response.ok) { await remove("queue", item.key); outcome.sent += 1; continue; }
      if (response.status >= 500 || response.status === 429) { blocked.add(item.user); outcome.waiting += 1; continue; }
      let body = {};
      try { body = await response.json(); } catch (error) { /* not JSON */ }
      const error = body.error || { code: "http_" + response.status, message: "" };
      if (CREDENTIAL_REFUSED.includes(error.code)) {
        // The page registers this browser again when it is next open online.
        await remove("credentials", item.user); blocked.add(item.user); outcome.waiting += 1; continue;
      }
      // A kiosk's punch carried the PIN typed offline: not kept once the server has answered.
      const data = Object.assign({}, item.data || {});
      delete data.pin;
      await put("failed", Object.assign({}, item, { data, error: { code: error.code, message: error.message || "" } }));
      await remove("queue", item.key);
      outcome.failed += 1;
    }
    // Online with nothing left to send: the next offline window starts now (punch policy 6b).
    // Not on every page load: a few minutes' staleness only widens the window a little.
    const left = await all("queue");
    for (const credential of await all("credentials")) {
      if (blocked.has(credential.user) || left.some((item) => item.user === credential.user)) continue;
      if (!outcome.sent && credential.contacted_at && Date.now() - credential.contacted_at < CONTACT_EVERY_MS) continue;
      try {
        const response = await fetch(CONTACT_URL, { method: "POST", credentials: "omit", headers: { Authorization: "Device " + credential.credential } });
        if (response.ok) await put("credentials", Object.assign({}, credential, { contacted_at: Date.now() }));
        else if (response.status === 401 || response.status === 403) await remove("credentials", credential.user);
      } catch (error) { /* offline again */ }
    }
    return outcome;
  }

  scope.EtimeQueue = {
    add: (item) => put("queue", item),
    items: async (user) => (await all("queue")).filter((item) => item.user === user).sort(byTime),
    failed: async (user) => (await all("failed")).filter((item) => item.user === user).sort(byTime),
    dismiss: (key) => remove("failed", key),
    credential: (user) => get("credentials", user),
    saveCredential: (record) => put("credentials", record),
    forgetCredential: (user) => remove("credentials", user),
    // One flush at a time in this page or worker; other tabs may flush at once (the server
    // answers a key it already applied with the stored result).
    flush() {
      if (!flushing) flushing = flushOnce().finally(() => { flushing = null; });
      return flushing;
    },
  };
})(self);
