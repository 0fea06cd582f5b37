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

// <button data-open-dialog="#id"> opens that <dialog> (confirmations such as disabling a user).
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) document.querySelector(opener.dataset.openDialog)?.showModal();
});

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
