// Small behaviours shared by every page. No framework: htmx does the rest.
"use strict";

// Copy buttons: <button class="copy" data-copy-target="#id">.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy[data-copy-target]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copyTarget);
  if (!source) return;
  const text = source.value ?? source.textContent;
  try {
    await navigator.clipboard.writeText(text.trim());
    button.textContent = "Copied";
  } catch {
    // Clipboard needs a secure context; fall back to selecting the text for Ctrl+C.
    const range = document.createRange();
    range.selectNodeContents(source);
    window.getSelection().removeAllRanges();
    window.getSelection().addRange(range);
    button.textContent = "Press Ctrl+C";
  }
});

// <dialog data-open-on-load> opens itself when htmx swaps it in (booking and other dialogs).
document.addEventListener("htmx:load", (event) => {
  event.detail.elt.querySelectorAll?.("dialog[data-open-on-load]").forEach((dialog) => {
    if (!dialog.open) dialog.showModal();
  });
});
document.addEventListener("click", (event) => {
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) closer.closest("dialog")?.close();
});

// <button data-open-dialog="#id"> opens that <dialog> (confirmations such as disabling a user); on
// <a href="…confirm page" data-open-dialog> the dialog stands in for the page JavaScript-less browsers get.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open-dialog]");
  const dialog = opener && document.querySelector(opener.dataset.openDialog);
  if (!dialog) return;
  event.preventDefault();
  dialog.showModal();
  dialog.querySelector("[autofocus]")?.focus();
});

// A list's "select everyone on this page" box (shown only where JavaScript runs) ticks the row
// boxes named by its data-select-all in its form.
document.addEventListener("htmx:load", (event) => {
  event.detail.elt.querySelectorAll?.("[data-select-all]").forEach((box) => { box.closest("label").hidden = false; });
});
document.addEventListener("change", (event) => {
  const box = event.target.closest("[data-select-all]");
  if (!box) return;
  box.form.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`).forEach((row) => { row.checked = box.checked; });
});

// An htmx request whose answer swaps nothing (any 4xx/5xx but 422 and 401, base.html's
// responseHandling) or that never got one: say why in a toast, so the page keeps what was typed.
// The reason is the error page's [data-error-message] or the JSON body's `error`.
const GENERIC_ERROR = "Something went wrong — try again";

function errorMessage(xhr) {
  const type = xhr?.getResponseHeader("Content-Type") || "";
  try {
    if (type.includes("json")) return JSON.parse(xhr.responseText).error || GENERIC_ERROR;
    const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    return page.querySelector("[data-error-message]")?.textContent.trim() || GENERIC_ERROR;
  } catch {
    return GENERIC_ERROR;  // a body that is not what it says
  }
}

function showErrorToast(message) {
  // A modal dialog makes the rest of the page inert: the toast goes inside it then.
  const region = document.querySelector("dialog:modal") ?? document.getElementById("toasts");
  if (!region) return;
  const toast = Object.assign(document.createElement("p"), { className: "toast toast-error" });
  const close = Object.assign(document.createElement("button"), { type: "button", className: "toast-close", textContent: "×" });
  close.dataset.dismiss = "";
  close.setAttribute("aria-label", "Dismiss");
  toast.append(Object.assign(document.createElement("span"), { textContent: message }), close);
  region.append(toast);
}
document.addEventListener("htmx:responseError", (event) => showErrorToast(errorMessage(event.detail.xhr)));
document.addEventListener("htmx:sendError", () => showErrorToast(GENERIC_ERROR));

// Toasts (flashed messages): the × button removes its message.
document.addEventListener("click", (event) => {
  event.target.closest("[data-dismiss]")?.parentElement.remove();
});

// The header's <details> menu is always open from 768 px (base.css hides its toggle there), so
// browsers without ::details-content still show the links; below that it starts closed.
const wideNav = window.matchMedia("(min-width: 48em)");
function syncNavMenu() {
  document.querySelectorAll("details[data-nav-menu]").forEach((menu) => { menu.open = wideNav.matches; });
}
syncNavMenu();
wideNav.addEventListener("change", syncNavMenu);

// A form that comes back with errors: focus its error summary, so screen readers read it first
// (GOV.UK's pattern). On a full page load and after htmx swaps the form in.
function focusErrorSummary(root) {
  root.querySelector?.(".error-summary")?.focus();
}
document.addEventListener("htmx:load", (event) => focusErrorSummary(event.detail.elt));

// An expired sign-in during an htmx request: the server answers 401 with a "session-ended" event
// and swaps nothing, so the form keeps what was typed. Say so in a dialog whose sign-in link comes
// back to this page; what the form held is kept in this tab's sessionStorage and filled in again.
const KEPT_FORM = "kept-form";
const UNKEPT_TYPES = new Set(["password", "file", "hidden", "submit", "button"]);

function keepForm(form) {
  if (!form) return;
  const values = [...form.elements]
    .filter((field) => field.name && !UNKEPT_TYPES.has(field.type) && (!["checkbox", "radio"].includes(field.type) || field.checked))
    .map((field) => [field.name, field.value]);
  sessionStorage.setItem(KEPT_FORM, JSON.stringify({ page: location.pathname + location.search, action: form.getAttribute("action"), values }));
}

function sessionEndedDialog(signInUrl) {
  let dialog = document.getElementById("session-ended");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "session-ended";
    dialog.setAttribute("aria-labelledby", "session-ended-title");
    const title = Object.assign(document.createElement("h2"), { id: "session-ended-title", textContent: "Your session ended — sign in again" });
    const text = Object.assign(document.createElement("p"), { textContent: "Nothing was saved. What you typed is kept: after you sign in you come back to this page with it filled in, ready to send again." });
    const actions = Object.assign(document.createElement("div"), { className: "dialog-actions" });
    const stay = Object.assign(document.createElement("button"), { type: "button", textContent: "Stay on this page" });
    stay.dataset.closeDialog = "";
    const signIn = Object.assign(document.createElement("a"), { className: "button primary", textContent: "Sign in again" });
    signIn.dataset.signIn = "";
    actions.append(stay, signIn);
    dialog.append(title, text, actions);
    document.body.append(dialog);
  }
  dialog.querySelector("[data-sign-in]").href = signInUrl;
  if (!dialog.open) dialog.showModal();
  dialog.querySelector("[data-sign-in]").focus();
}

document.addEventListener("session-ended", (event) => {
  const source = event.detail.elt || event.target;
  keepForm(source.closest?.("form") || source.form);
  sessionEndedDialog(event.detail.signInUrl);
});

// Back on the page after signing in: fill the kept form in once, and say so.
function restoreKeptForm() {
  const kept = JSON.parse(sessionStorage.getItem(KEPT_FORM) || "null");
  if (!kept || kept.page !== location.pathname + location.search) return;
  const form = [...document.forms].find((candidate) => candidate.getAttribute("action") === kept.action);
  if (!form) return;
  sessionStorage.removeItem(KEPT_FORM);
  const chosen = new Set(kept.values.map(([name, value]) => `${name}\n${value}`));
  const typed = new Map(kept.values);
  for (const field of form.elements) {
    if (!field.name || UNKEPT_TYPES.has(field.type)) continue;
    if (["checkbox", "radio"].includes(field.type)) field.checked = chosen.has(`${field.name}\n${field.value}`);
    else if (typed.has(field.name)) field.value = typed.get(field.name);
  }
  const notice = Object.assign(document.createElement("p"), { className: "notice", textContent: "You are signed in again. We filled in what you typed: check it and send it again." });
  notice.setAttribute("role", "status");
  form.prepend(notice);
}
restoreKeptForm();

// Zone inputs (list="zone-names"): the device's zone, from the Intl API, as the first suggestion.
function suggestDeviceZone(root) {
  const list = root.querySelector?.("datalist#zone-names") ?? (root.id === "zone-names" ? root : null);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!list || !zone || list.querySelector("option[data-device-zone]")) return;
  const known = list.querySelector(`option[value="${CSS.escape(zone)}"]`);
  if (!known) return;  // an alias or a zone we do not offer: the server would refuse it
  const option = document.createElement("option");
  option.value = zone;
  option.textContent = `${zone.replaceAll("_", " ")} (this device)`;
  option.dataset.deviceZone = "";
  list.prepend(option);
}
document.addEventListener("DOMContentLoaded", () => suggestDeviceZone(document));
document.addEventListener("htmx:load", (event) => suggestDeviceZone(event.detail.elt));
