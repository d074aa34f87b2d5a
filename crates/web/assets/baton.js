// Baton's own script: progressive enhancements only; every page works
// without it. No inline scripts anywhere (the CSP forbids them).
"use strict";

// A button with data-confirm asks before its form is sent.
document.addEventListener("submit", (e) => {
  const b = e.submitter;
  if (b && b.dataset.confirm && !window.confirm(b.dataset.confirm)) {
    e.preventDefault();
  }
});

// htmx sends the CSRF token of the page with every request it makes.
document.addEventListener("htmx:configRequest", (e) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    e.detail.parameters["_csrf"] = meta.content;
  }
});

// The completeness meter is re-rendered by the server as the sender types;
// the submit button stays the same element (so a click is never lost to a
// swap) and takes its label and state from the fresh meter.
document.addEventListener("htmx:afterSwap", () => {
  const meter = document.getElementById("meter");
  const submit = document.getElementById("submit");
  if (!meter || !submit) {
    return;
  }
  const blocked = meter.dataset.blocked === "true";
  submit.disabled = blocked;
  submit.setAttribute("aria-disabled", String(blocked));
  submit.textContent = meter.dataset.label;
});

/* brief */
// The brief's Print button (no inline handlers: the CSP forbids them).
document.addEventListener("click", (e) => {
  if (e.target instanceof Element && e.target.closest("[data-print]")) {
    window.print();
  }
});
