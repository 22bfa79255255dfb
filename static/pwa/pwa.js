/* The installable app on every page (issue #20): registers the service worker, offers the
 * install prompt, gives this browser a device credential once a person is signed in, queues
 * clock in/out and timer start/stop while offline (forms marked data-offline-action), shows
 * them "waiting to sync" and sends them when the network returns. */
(function () {
  "use strict";
  const queue = window.EtimeQueue;
  const body = document.body;
  const user = body.dataset.etimeUser || "";
  const labelsNode = document.getElementById("pwa-labels");
  const labels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  const panel = document.getElementById("offline-queue");
  const SYNC_TAG = "etime-offline-queue";

  // --- Service worker and install prompt -----------------------------------------------------
  if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
    navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "etime-queue") render(event.data.outcome);
    });
  }
  const installButton = document.getElementById("pwa-install");
  let installPrompt = null;
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installPrompt = event;
    if (installButton) installButton.hidden = false;
  });
  if (installButton) {
    installButton.addEventListener("click", async () => {
      if (!installPrompt) return;
      installPrompt.prompt();
      await installPrompt.userChoice;
      installPrompt = null;
      installButton.hidden = true;
    });
  }
  window.addEventListener("appinstalled", () => { if (installButton) installButton.hidden = true; });

  // Signing out: forget the pages kept for this person.
  document.querySelectorAll("form[data-pwa-signout]").forEach((form) => {
    form.addEventListener("submit", () => {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: "etime-signed-out" });
      }
    });
  });

  if (!user || !queue || !panel) return;

  // --- The device credential -----------------------------------------------------------------
  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (error) { return ""; }
  }

  function deviceName() {
    const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
    // Stored data, so not in the language of the page that registered it.
    return "etime" + (platform ? " · " + platform : "");
  }

  const NO_DEVICE = "etime-no-device";  // a login without an employee record: ask once a session

  // One registration per browser even with several tabs loading at once (Web Locks).
  function ensureCredential() {
    if (navigator.locks) return navigator.locks.request("etime-device-credential", register);
    return register();
  }

  async function register() {
    const known = await queue.credential(user);
    if (known || !navigator.onLine || !body.dataset.registerUrl) return known;
    if (sessionStorage.getItem(NO_DEVICE) === user) return null;
    try {
      const response = await fetch(body.dataset.registerUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ name: deviceName() }),
      });
      if (response.status === 404) sessionStorage.setItem(NO_DEVICE, user);
      if (response.status !== 201) return null;
      const data = await response.json();
      const record = { user, id: data.id, credential: data.credential };
      await queue.saveCredential(record);
      return record;
    } catch (error) {
      return null;
    }
  }

  // --- Queueing while offline ----------------------------------------------------------------
  function describe(form, action, data) {
    if (action === "punch") return data.direction === "out" ? labels.punch_out : labels.punch_in;
    if (action === "timer_stop") return labels.timer_stop;
    const project = form.querySelector("select[name=project]");
    const chosen = project && project.selectedOptions[0] ? project.selectedOptions[0].textContent.trim() : "";
    return labels.timer_start + (chosen ? " · " + chosen : "");
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const action = form.dataset ? form.dataset.offlineAction : "";
    if (!action || navigator.onLine) return;
    event.preventDefault();
    if (!(await queue.credential(user))) { note(labels.not_registered, true); return; }
    const data = {};
    new FormData(form).forEach((value, name) => {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && name !== "next") data[name] = value;
    });
    await queue.add({
      key: crypto.randomUUID(), user, action, data, label: describe(form, action, data),
      recorded_at: new Date().toISOString(),
    });
    await render();
    note(labels.queued, false);
    requestBackgroundSync();
  });

  function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready
      .then((registration) => (registration.sync ? registration.sync.register(SYNC_TAG) : null))
      .catch(() => {});
  }

  // --- Showing the queue ---------------------------------------------------------------------
  const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });

  function note(text, isError) {
    const line = panel.querySelector("[data-pwa-note]");
    line.textContent = text || "";
    line.className = isError ? "msg-error" : "muted";
    panel.hidden = false;
  }

  function row(item, failed) {
    const li = document.createElement("li");
    li.dataset.testid = failed ? "failed-item" : "queued-item";
    li.dataset.action = item.action;
    const time = document.createElement("time");
    time.dateTime = item.recorded_at;
    time.textContent = timeFormat.format(new Date(item.recorded_at));
    li.append(time, " ", item.label || item.action);
    if (failed) {
      li.append(" — ", (item.error && item.error.message) || labels.not_accepted);
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "link small";
      dismiss.textContent = labels.dismiss;
      dismiss.addEventListener("click", async () => { await queue.dismiss(item.key); await render(); });
      li.append(" ", dismiss);
    }
    return li;
  }

  async function render(outcome) {
    const waiting = await queue.items(user);
    const failed = await queue.failed(user);
    const list = panel.querySelector("[data-pwa-waiting]");
    const failedList = panel.querySelector("[data-pwa-failed]");
    list.replaceChildren(...waiting.map((item) => row(item, false)));
    failedList.replaceChildren(...failed.map((item) => row(item, true)));
    panel.querySelector("[data-pwa-waiting-block]").hidden = waiting.length === 0;
    panel.querySelector("[data-pwa-failed-block]").hidden = failed.length === 0;
    if (outcome && outcome.sent) note(labels.sent.replace("%(count)s", outcome.sent), false);
    const noteText = panel.querySelector("[data-pwa-note]").textContent;
    panel.hidden = waiting.length === 0 && failed.length === 0 && !noteText;
    panel.dataset.waiting = String(waiting.length);
  }

  // --- Sending when online -------------------------------------------------------------------
  async function sync() {
    if (!navigator.onLine) { await render(); return; }
    await ensureCredential();
    const outcome = await queue.flush();
    await render(outcome);
  }

  // The app is installed once its service worker controls the page: only then does this
  // browser hold a credential and a queue (and the pages open offline).
  const installed = () => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
  window.addEventListener("online", () => { if (installed()) sync(); });
  window.addEventListener("offline", () => render());
  if (navigator.serviceWorker) navigator.serviceWorker.addEventListener("controllerchange", sync);
  if (installed()) sync(); else render();
})();
