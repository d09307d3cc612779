/*
 * What htmx cannot do for the desk's editors, kept small (no inline script: CSP).
 *
 * - After a swap, focus moves to what changed: the element the server marked
 *   data-focus (an error summary, a confirmation, a success notice, the opened
 *   panel's heading), or the editor's first field; it is brought into view —
 *   on narrow screens the updated region is scrolled to its top.
 * - A page reached after an action's redirect focuses its message ("Claim saved.").
 * - Success is said: the text of [data-announce] goes to the polite live
 *   region #desk-status. A request that failed without an answer to show
 *   (404, 500, no network) is said in #desk-alert.
 * - While a request is in flight its target is aria-busy (htmx itself adds
 *   .htmx-request and disables the buttons named by data-hx-disabled-elt).
 * - Party pickers: Enter takes the first suggestion; a chip added clears the
 *   search box and puts the caret back in it.
 * - Cancel in an inline delete confirmation closes it.
 * - html.has-js hides the buttons that only a page without JavaScript needs.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("has-js");

  // A page reached by an action's redirect opens with what the action did
  // ("Claim saved."): take the focus there, so it is read out first.
  document.addEventListener("DOMContentLoaded", function () {
    var flash = document.querySelector(".flash-messages");
    if (flash && !window.location.hash) {
      flash.setAttribute("tabindex", "-1");
      flash.focus({ preventScroll: true });
    }
  });

  var FOCUSABLE = /^(A|BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY)$/;
  var done = typeof WeakMap === "function" ? new WeakMap() : null;

  function narrow() {
    return window.matchMedia("(max-width: 60rem)").matches;
  }

  function onScreen(el) {
    var box = el.getBoundingClientRect();
    return box.top >= 0 && box.top < window.innerHeight - 48;
  }

  function focusTarget(region) {
    if (region.matches("[data-focus]")) {
      return region;
    }
    var marked = region.querySelector("[data-focus]");
    if (marked) {
      return marked;
    }
    if (region.matches("[data-focus-first-field]")) {
      return region.querySelector("textarea, input:not([type=hidden]):not([tabindex='-1']), select");
    }
    return null;
  }

  function moveFocus(region) {
    var el = focusTarget(region);
    if (!el) {
      return false;
    }
    if (!FOCUSABLE.test(el.tagName) && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "-1");
    }
    // On a phone the panel sits below the text: show the region from its top.
    if (narrow() && !onScreen(region)) {
      region.scrollIntoView({ block: "start" });
    }
    el.focus({ preventScroll: true });
    if (!onScreen(el)) {
      el.scrollIntoView({ block: narrow() ? "start" : "nearest" });
    }
    return true;
  }

  function announce(region) {
    var said = region.matches("[data-announce]") ? region : region.querySelector("[data-announce]");
    var live = document.getElementById("desk-status");
    if (!said || !live) {
      return false;
    }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = said.textContent.trim(); }, 50);
    return true;
  }

  // What a request already did (one request can settle several elements, in any order).
  function once(xhr, what) {
    if (!xhr || !done) {
      return true;
    }
    var seen = done.get(xhr) || {};
    if (seen[what]) {
      return false;
    }
    seen[what] = true;
    done.set(xhr, seen);
    return true;
  }

  function alertText(text) {
    var box = document.getElementById("desk-alert");
    if (!box) {
      return;
    }
    box.textContent = text;
    box.focus({ preventScroll: true });
    box.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = document.getElementById("desk-alert");
    if (box && box.textContent) {
      box.textContent = "";
    }
    var target = event.detail && event.detail.target;
    if (target && target.setAttribute) {
      target.setAttribute("aria-busy", "true");
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.removeAttribute) {
      target.removeAttribute("aria-busy");
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var region = event.target;
    if (!(region instanceof Element) || !region.isConnected) {
      return;
    }
    var xhr = event.detail && event.detail.xhr;
    if (region.querySelector("[data-announce]") || region.matches("[data-announce]")) {
      if (once(xhr, "announce")) {
        announce(region);
      }
    }
    if (region.classList.contains("chips") || region.closest(".chips")) {
      var picker = region.closest(".party-picker");
      var box = picker && picker.querySelector(".party-q");
      if (box && once(xhr, "focus")) {
        box.value = "";
        box.focus();
      }
      return;
    }
    if (focusTarget(region) && once(xhr, "focus")) {
      moveFocus(region);
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 404) {
      alertText("Not found (404): it may have been deleted by someone else. Reload the page to see it as it is now.");
    } else if (status === 403) {
      alertText("You are not allowed to do this (403).");
    } else if (status === 503) {
      alertText("The desk is not answering right now (503). Nothing you saved before is lost; try again in a few seconds.");
    } else {
      alertText("The server could not do this (error " + status + "). Reload the page and check before trying again.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    alertText("No answer from the server: check the connection. What you were saving may not have been saved.");
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !(box instanceof Element) || !box.matches(".party-q")) {
      return;
    }
    // Enter in a party search takes its first suggestion, and never submits the claim.
    event.preventDefault();
    var options = document.getElementById(box.getAttribute("aria-controls"));
    var first = options && options.querySelector("button.party-option");
    if (first) {
      first.click();
    }
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target instanceof Element && event.target.closest(".confirm-slot .confirm-cancel");
    if (!cancel) {
      return;
    }
    event.preventDefault();
    var slot = cancel.closest(".confirm-slot");
    var asked = slot.previousElementSibling;
    slot.textContent = "";
    var button = asked && asked.querySelector("button");
    if (button) {
      button.focus();
    }
  });
})();
