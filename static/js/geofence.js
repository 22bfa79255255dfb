/* Geofenced clock-in (docs/USER_MANUAL.md "Clocking in on site"): a clock form marked
   data-geofence="require|flag" first asks the browser for the phone's position (with its
   accuracy) and sends it with the punch in the hidden fields latitude, longitude and
   accuracy_m. Without a position (no permission, no fix, no geolocation) the form is sent
   as it is and the server decides: refused under "require", flagged under "flag".
   A separate file so the offline queue's script (static/pwa/) stays untouched: this one
   listens in the capture phase, fills the fields, then re-submits with requestSubmit(),
   which lets any later submit handler see the completed form. */
(function () {
  "use strict";
  var OPTIONS = { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 };

  function field(form, name) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      form.appendChild(input);
    }
    return input;
  }

  function say(form, key) {
    var status = document.querySelector("[data-geofence-status]");
    if (status && form.dataset[key]) status.textContent = form.dataset[key];
  }

  function send(form) {
    form.dataset.geofenceReady = "1";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
    delete form.dataset.geofenceReady;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.geofence || form.dataset.geofenceReady) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    if (form.dataset.geofenceBusy) return;  // a second click while locating
    ["latitude", "longitude", "accuracy_m"].forEach(function (name) { field(form, name).value = ""; });
    if (!("geolocation" in navigator)) {
      say(form, "geofenceUnavailable");
      send(form);
      return;
    }
    form.dataset.geofenceBusy = "1";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    say(form, "geofenceLocating");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        field(form, "latitude").value = String(position.coords.latitude);
        field(form, "longitude").value = String(position.coords.longitude);
        field(form, "accuracy_m").value = String(position.coords.accuracy);
        delete form.dataset.geofenceBusy;
        say(form, "geofenceSending");
        send(form);
      },
      function () {
        delete form.dataset.geofenceBusy;
        say(form, "geofenceUnavailable");
        send(form);
      },
      OPTIONS
    );
  }, true);
})();
