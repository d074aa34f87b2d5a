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

// htmx sends the CSRF token of the page with every post it makes (never
// in a GET's URL, where logs and history would keep it).
document.addEventListener("htmx:configRequest", (e) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && e.detail.verb !== "get") {
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

/* unsaved changes */
// A post form someone typed into and has not sent warns before the page is
// left (a link, a reload, closing the tab). Filters (GET forms) never do.
const unsaved = new Set();
const warnable = (f) => f instanceof HTMLFormElement && f.method === "post";
const markDirty = (e) => {
  const f = e.target instanceof Element ? e.target.closest("form") : null;
  if (warnable(f)) {
    unsaved.add(f);
  }
};
document.addEventListener("input", markDirty);
document.addEventListener("change", markDirty);
document.addEventListener("submit", (e) => {
  if (!e.defaultPrevented) {
    unsaved.delete(e.target);
  }
});
window.addEventListener("beforeunload", (e) => {
  if ([...unsaved].some((f) => f.isConnected)) {
    e.preventDefault();
    e.returnValue = "";
  }
});

/* autosave */
// A form with data-autosave saves itself a second after typing stops, one
// save at a time, each from the digest ("base") the previous one returned.
// When the server says the handoff changed elsewhere (409), it stops and
// says so instead of overwriting the newer edit.
const autosaving = document.querySelector("form[data-autosave]");
if (autosaving) {
  const status = document.getElementById("autosave-status");
  const say = (text, state) => {
    if (status) {
      status.textContent = text;
      status.dataset.state = state;
    }
  };
  let timer = null;
  let chain = Promise.resolve();
  let edits = 0;
  let stopped = false;
  const save = async () => {
    if (stopped) {
      return;
    }
    const sent = edits;
    const body = new URLSearchParams(new FormData(autosaving));
    body.delete("action");
    say("Saving…", "saving");
    try {
      const r = await fetch(autosaving.dataset.autosave, {
        method: "POST",
        body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const answer = await r.json().catch(() => ({ detail: r.statusText }));
      if (r.ok) {
        autosaving.elements.base.value = answer.base;
        if (edits === sent) {
          // An attachment typed but not added is still unsaved.
          const pending = autosaving.elements.att_title;
          if (!pending || !pending.value.trim()) {
            unsaved.delete(autosaving);
          }
          say("Saved at " + answer.at, "saved");
        }
      } else if (r.status === 409) {
        stopped = true;
        say("Not saved: " + answer.detail + ". Reload to see the latest; what you typed here is kept on this page until you do.", "conflict");
      } else {
        say("Not saved: " + answer.detail, "error");
      }
    } catch {
      say("Not saved: Baton could not be reached. It tries again when you type.", "error");
    }
  };
  const schedule = () => {
    edits += 1;
    if (!stopped) {
      say("Unsaved changes", "dirty");
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      chain = chain.then(save);
    }, 1000);
  };
  autosaving.addEventListener("input", schedule);
  autosaving.addEventListener("change", schedule);
}

/* phones */
// Under 600 px the stylesheet folds the navigation behind the Menu button;
// the button exists only when this script runs, so without it the
// navigation simply wraps.
// (Block-scoped: a global `top` would clash with window.top and stop the
// whole script.)
{
  const bar = document.querySelector("header.top");
  const toggle = bar && bar.querySelector(".menu-toggle");
  if (toggle) {
    bar.classList.add("js-menu");
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      for (const part of bar.querySelectorAll("nav, .who")) {
        part.classList.toggle("open", open);
      }
    });
  }
}

// A table shown as cards on a phone labels each cell with its column's
// heading (copied once here, so no template repeats them).
for (const table of document.querySelectorAll("main table")) {
  const heads = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
  if (heads.length === 0) {
    continue;
  }
  for (const row of table.querySelectorAll("tbody tr")) {
    [...row.children].forEach((cell, i) => {
      if (cell.tagName === "TD" && !cell.dataset.label && heads[i]) {
        cell.dataset.label = heads[i];
      }
    });
  }
}

// Reached only when everything above ran: the browser tests check it on
// every page, so a script error anywhere above cannot go unnoticed.
document.documentElement.dataset.script = "ready";
