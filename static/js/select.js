/*
 * Turn the reader's text selection into offsets of the source's canonical text.
 *
 * The text container (#source-text) holds exactly the canonical text: its
 * text nodes, in order, spell it (highlights are elements around the text, the
 * passage numbers are CSS generated content). So the offset of a selection
 * boundary is the length of the text from the container's start to that
 * boundary, which a Range measures. Browsers count UTF-16 code units; the form
 * says so (unit=utf16) and the server converts to code points, the unit the
 * passages are stored in. Loaded only for editors; no inline script (CSP).
 */
(function () {
  "use strict";

  function container() {
    return document.getElementById("source-text");
  }

  // The forms that take the selection: marking a passage (#mark-form) and moving one
  // (the passage panel's .move-form). Each carries start, end and a submit button.
  function forms() {
    return Array.prototype.slice.call(document.querySelectorAll("form[data-selection]"));
  }

  // Offset (UTF-16 units) of a boundary point, from the start of the container.
  function offsetOf(box, node, offset) {
    var before = document.createRange();
    before.selectNodeContents(box);
    before.setEnd(node, offset);
    return before.toString().length;
  }

  // The selection's [start, end) in UTF-16 units of the container's text, or null.
  function selectedOffsets() {
    var box = container();
    var selection = window.getSelection();
    if (!box || !selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    var range = selection.getRangeAt(0);
    if (!range.intersectsNode(box)) {
      return null;
    }
    var whole = document.createRange();
    whole.selectNodeContents(box);
    var length = whole.toString().length;
    // A selection running past the text's edges counts from/to the edge.
    var start = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
      ? 0
      : offsetOf(box, range.startContainer, range.startOffset);
    var end = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
      ? length
      : offsetOf(box, range.endContainer, range.endOffset);
    if (end <= start) {
      return null;
    }
    return { start: start, end: end };
  }

  function update() {
    var all = forms();
    if (!all.length) {
      return;
    }
    var status = document.getElementById("mark-status");
    var offsets = selectedOffsets();
    var wasDisabled = false;
    all.forEach(function (f) {
      var button = f.querySelector("button[type=submit]");
      if (offsets) {
        wasDisabled = wasDisabled || button.disabled;
        f.elements.start.value = String(offsets.start);
        f.elements.end.value = String(offsets.end);
        button.disabled = false;
      } else if (document.activeElement !== button) {
        // Focus on the button itself may come with a collapsed selection in some
        // browsers: keep the last offsets then, so the press still uses them.
        f.elements.start.value = "";
        f.elements.end.value = "";
        button.disabled = true;
      }
    });
    if (offsets && wasDisabled && status) {
      var names = all.map(function (f) {
        return f.querySelector("button[type=submit]").textContent.trim();
      });
      status.textContent = "Text selected: press " + names.join(", or ") + ".";
    }
  }

  document.addEventListener("selectionchange", update);

  document.addEventListener("submit", function (event) {
    var f = event.target;
    if (f instanceof Element && f.matches("form[data-selection]") &&
        (!f.elements.start.value || !f.elements.end.value)) {
      // Nothing selected: do not send an empty selection.
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // After a mark or a move: the selection is gone with the swapped text; disable the
  // buttons again (desk.js moves the focus to the panel's answer). A panel swapped in
  // for another reason brings a move form that takes the current selection.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!event.target || event.target.id !== "passage-panel") {
      return;
    }
    var elt = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    if (elt instanceof Element && elt.matches("form[data-selection]")) {
      window.getSelection().removeAllRanges();
      forms().forEach(function (f) {
        f.elements.start.value = "";
        f.elements.end.value = "";
        f.querySelector("button[type=submit]").disabled = true;
      });
      return;
    }
    update();
  });

  update();
})();
