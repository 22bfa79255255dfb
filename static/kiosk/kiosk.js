/* The shared kiosk at the door (issue #20; templates devices/kiosk.html). The tablet pairs once
 * with an administrator's one-time code and keeps the device credential in the same IndexedDB
 * as the installed app (static/pwa/queue.js, under the user key "kiosk"). A person types their
 * badge number — or shows their badge's QR code to the camera — and their PIN; etime answers
 * "Hello Anna — in at 08:02" in the person's language and the kiosk returns to idle.
 *
 * Offline (no network, or the request fails), the punch goes into the shared queue with an
 * idempotency key, the badge and the PIN typed; the kiosk keeps no PINs of its own, so the
 * server checks the PIN when the queue is sent (docs/SECURITY.md "Kiosks").
 *
 * Photo at punch (off by default, set per kiosk in the admin): the kiosk learns the setting
 * when it pairs and from each punch's answer. When on, it takes one still from the camera as
 * the punch is sent; without a camera (or with access refused) the punch goes through without
 * one and the answer says so. Punches queued offline carry no photo. */
(function () {
  "use strict";
  const KIOSK = "kiosk";
  const BADGE_PREFIX = "etime:badge:";
  const queue = window.EtimeQueue;
  const body = document.body;
  const labels = JSON.parse(document.getElementById("kiosk-labels").textContent);
  const $ = (id) => document.getElementById(id);
  const panels = { pair: $("kiosk-pair"), idle: $("kiosk-idle"), answer: $("kiosk-answer") };
  const badgeInput = $("kiosk-badge");
  const pinInput = $("kiosk-pin");
  const idleMs = parseInt(body.dataset.idleMs || "6000", 10);
  let credential = null;
  let idleTimer = null;
  let lastField = badgeInput;
  let reader = null;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, (_, name) => (values[name] === undefined ? "" : String(values[name])));
  }

  function show(name) {
    for (const [key, node] of Object.entries(panels)) node.hidden = key !== name;
    if (name === "idle") { badgeInput.value = ""; pinInput.value = ""; badgeInput.focus(); lastField = badgeInput; }
    if (name === "pair") $("kiosk-pair-code").focus();
  }

  function answer(text, { error = false, lang = "" } = {}) {
    const node = $("kiosk-answer-text");
    node.textContent = text;
    if (lang) node.setAttribute("lang", lang); else node.removeAttribute("lang");
    panels.answer.classList.toggle("error", error);
    show("answer");
    $("kiosk-answer-done").focus();
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => show("idle"), idleMs);
  }

  function headerFor(record) {
    $("kiosk-name").textContent = record ? [record.name, record.location].filter(Boolean).join(" · ") : "";
    $("kiosk-photo-note").hidden = !(record && record.photos);
  }

  // One still from the camera, as a JPEG data URL, or "" when there is no camera, access is
  // refused or no frame comes within three seconds. The camera is on only for that moment.
  async function still() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return "";
    let stream = null;
    let late = false;
    const timeout = (ms) => new Promise((_, fail) => setTimeout(() => fail(new Error("timeout")), ms));
    try {
      const asked = navigator.mediaDevices.getUserMedia({ video: { facingMode: "user", width: { ideal: 640 } }, audio: false });
      // A permission prompt nobody answers must not hold the punch: a stream granted later is stopped.
      asked.then((granted) => { if (late) granted.getTracks().forEach((track) => track.stop()); }, () => {});
      stream = await Promise.race([asked, timeout(4000)]);
      const video = document.createElement("video");
      video.muted = true;
      video.playsInline = true;
      video.srcObject = stream;
      await Promise.race([
        video.play().then(() => new Promise((done) => {
          if (video.videoWidth) done(); else video.addEventListener("loadeddata", done, { once: true });
        })),
        timeout(3000),
      ]);
      const width = Math.min(video.videoWidth || 640, 640);
      const height = Math.round(width * ((video.videoHeight || 480) / (video.videoWidth || 640)));
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      canvas.getContext("2d").drawImage(video, 0, 0, width, height);
      return canvas.toDataURL("image/jpeg", 0.7);
    } catch (error) {
      late = true;
      return "";
    } finally {
      if (stream) stream.getTracks().forEach((track) => track.stop());
    }
  }

  function network() {
    const node = $("kiosk-network");
    node.textContent = navigator.onLine ? labels.online : labels.offline;
    node.classList.toggle("offline", !navigator.onLine);
  }

  function tick() {
    const now = new Date();
    $("kiosk-clock").textContent = now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  async function renderWaiting() {
    const node = $("kiosk-waiting");
    const items = await queue.items(KIOSK);
    const failed = await queue.failed(KIOSK);
    const parts = [];
    if (items.length) parts.push(items.length === 1 ? labels.waitingOne : format(labels.waiting, { count: items.length }));
    if (failed.length) parts.push(format(labels.notAccepted, { count: failed.length }));
    node.textContent = parts.join(" ");
    node.hidden = !parts.length;
    node.dataset.count = String(items.length);
  }

  async function flush() {
    if (!credential) return;
    try { await queue.flush(); } catch (error) { /* next time */ }
    // A refused credential was removed by the queue: this tablet must be paired again.
    if (!(await queue.credential(KIOSK))) { credential = null; headerFor(null); show("pair"); }
    await renderWaiting();
  }

  // --- Pairing ----------------------------------------------------------------------------------
  $("kiosk-pair-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = $("kiosk-pair-code").value;
    let response;
    try {
      response = await fetch(body.dataset.pairUrl, {
        method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ code }),
      });
    } catch (error) { answer(format(labels.pairFailed, { message: labels.offline }), { error: true }); return; }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = (data.error && data.error.message) || labels.error;
      answer(format(labels.pairFailed, { message }), { error: true });
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => show("pair"), idleMs);
      return;
    }
    credential = { user: KIOSK, credential: data.credential, device: data.device, name: data.name,
                   location: data.location, contacted_at: Date.now(), photos: Boolean(data.photos) };
    await queue.saveCredential(credential);
    headerFor(credential);
    $("kiosk-pair-code").value = "";
    answer(format(labels.paired, { name: data.name, location: data.location }));
  });

  // --- Punching ---------------------------------------------------------------------------------
  function badgeNumber(text) {
    text = (text || "").trim();
    return text.startsWith(BADGE_PREFIX) ? text.slice(BADGE_PREFIX.length) : text;
  }

  async function enqueue(badge, pin) {
    const recorded = new Date();
    await queue.add({
      key: crypto.randomUUID(), user: KIOSK, action: "kiosk_punch", recorded_at: recorded.toISOString(),
      data: { badge, pin },
    });
    await renderWaiting();
    answer(format(labels.queued, { time: recorded.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
  }

  async function punch(badge, pin) {
    if (!badge || !pin) { answer(labels.missing, { error: true }); return; }
    if (!navigator.onLine) { await enqueue(badge, pin); return; }
    const photo = credential.photos ? await still() : "";
    let response;
    try {
      response = await fetch(body.dataset.punchUrl, {
        method: "POST", credentials: "omit",
        headers: { "Content-Type": "application/json", Authorization: "Device " + credential.credential },
        body: JSON.stringify(photo ? { badge, pin, photo } : { badge, pin }),
      });
    } catch (error) { await enqueue(badge, pin); return; }  // the network went away
    if (response.status >= 500 || response.status === 429) { await enqueue(badge, pin); return; }
    const data = await response.json().catch(() => ({}));
    if (response.ok) {
      answer(data.photo === "not_taken" ? data.message + " " + labels.noPhoto : data.message, { lang: data.language });
      if (Boolean(data.photos) !== Boolean(credential.photos)) {
        credential.photos = Boolean(data.photos);
        await queue.saveCredential(credential);
        headerFor(credential);
      }
      flush();
      return;
    }
    const error = data.error || {};
    if (error.code === "device_credential_invalid" || error.code === "device_credential_revoked") {
      await queue.forgetCredential(KIOSK);
      credential = null;
      headerFor(null);
      answer(format(labels.unpaired, { message: error.message || error.code }), { error: true });
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => show("pair"), idleMs);
      return;
    }
    answer(error.message || labels.error, { error: true });
  }

  $("kiosk-form").addEventListener("submit", (event) => {
    event.preventDefault();
    punch(badgeNumber(badgeInput.value), pinInput.value.trim());
  });
  badgeInput.addEventListener("focus", () => { lastField = badgeInput; });
  pinInput.addEventListener("focus", () => { lastField = pinInput; });
  badgeInput.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !pinInput.value) { event.preventDefault(); pinInput.focus(); }
  });
  document.querySelectorAll(".kiosk-keypad [data-key]").forEach((button) => {
    button.addEventListener("click", () => {
      const key = button.dataset.key;
      if (key === "clear") lastField.value = "";
      else lastField.value += key;
      lastField.focus();
    });
  });
  $("kiosk-answer-done").addEventListener("click", () => {
    clearTimeout(idleTimer);
    show(credential ? "idle" : "pair");
  });

  // --- QR code by camera (the badge printed from the admin: etime:badge:<number>) -------------
  // One entry point for a decoded code, whether from the camera or typed by a hand scanner.
  function scanned(text) {
    stopScan();
    if (!text.startsWith(BADGE_PREFIX) || !badgeNumber(text)) { answer(labels.badQr, { error: true }); return; }
    show("idle");
    badgeInput.value = badgeNumber(text);
    pinInput.focus();
    lastField = pinInput;
  }

  function stopScan() {
    if (reader) { try { reader.reset(); } catch (error) { /* already stopped */ } reader = null; }
    $("kiosk-camera").hidden = true;
    $("kiosk-form").hidden = false;
  }

  $("kiosk-scan").addEventListener("click", async () => {
    if (!window.ZXing || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { answer(labels.noCamera, { error: true }); return; }
    $("kiosk-form").hidden = true;
    $("kiosk-camera").hidden = false;
    reader = new window.ZXing.BrowserQRCodeReader();
    try {
      await reader.decodeFromVideoDevice(null, $("kiosk-video"), (result) => { if (result) scanned(result.getText()); });
    } catch (error) {
      stopScan();
      answer(labels.noCamera, { error: true });
    }
  });
  $("kiosk-scan-stop").addEventListener("click", stopScan);

  window.EtimeKiosk = { scanned, flush, punch };

  // --- Start --------------------------------------------------------------------------------------
  window.addEventListener("online", () => { network(); flush(); });
  window.addEventListener("offline", network);
  network();
  tick();
  setInterval(tick, 1000);
  setInterval(() => { if (navigator.onLine) flush(); }, 30000);
  (async () => {
    const stored = await queue.credential(KIOSK);
    credential = stored && stored.credential ? stored : null;
    headerFor(credential);
    show(credential ? "idle" : "pair");
    body.dataset.ready = "1";
    await renderWaiting();
    if (navigator.onLine) flush();
  })();
})();
