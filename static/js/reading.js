// The reading view marks one passage more strongly than the others: the one the side
// panel shows, or the one the address names (#passage-N, the claim page's links).
// The server marks it when it renders the page; this keeps the mark right when the panel
// changes in place (HTMX) or the address's #passage-N changes. It only sets a class:
// the text, and so the selection offsets, never change.
(function () {
  "use strict";

  function select(id) {
    document.querySelectorAll("#source-text mark.hl-selected").forEach(function (mark) {
      mark.classList.remove("hl-selected");
    });
    if (!id) return;
    document.querySelectorAll('#source-text mark[data-passage="' + id + '"]').forEach(function (mark) {
      mark.classList.add("hl-selected");
    });
  }

  function fromPanel() {
    var panel = document.getElementById("passage-panel");
    return panel && /^\d+$/.test(panel.dataset.passage || "") ? panel.dataset.passage : null;
  }

  function fromAddress() {
    var match = /^#passage-(\d+)$/.exec(window.location.hash);
    return match ? match[1] : null;
  }

  document.addEventListener("htmx:afterSwap", function () { select(fromPanel()); });
  window.addEventListener("hashchange", function () { select(fromAddress() || fromPanel()); });
  select(fromAddress() || fromPanel());
})();
