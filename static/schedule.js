// The scheduling link's zone switch: offer the browser's own zone and show times in it, once,
// when the page was opened without a chosen zone; any change of the select applies it at once.
(function () {
  "use strict";

  function submit(form) {
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  function setUp(root) {
    var form = root.querySelector("[data-zone-switch]");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    var select = form.querySelector("select");
    var browserZone = "";
    try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (error) { browserZone = ""; }
    if (browserZone && !Array.prototype.some.call(select.options, function (o) { return o.value === browserZone; })) {
      var option = document.createElement("option");
      option.value = browserZone;
      option.textContent = browserZone.replace(/_/g, " ") + " (this device)";
      select.insertBefore(option, select.firstChild);
    }
    select.addEventListener("change", function () { submit(form); });
    var chosen = new URLSearchParams(window.location.search).get("tz");
    if (!chosen && browserZone && select.value !== browserZone) {
      select.value = browserZone;
      submit(form);
    }
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function () { setUp(document); });
})();
