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
