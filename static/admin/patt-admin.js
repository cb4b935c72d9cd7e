/* PATT admin (issue 16): accessible names for Django's autocomplete boxes. Select2 draws a
   combobox <span> beside the hidden <select>; with nothing chosen it has no name. It gets the
   select's own name: its aria-label (inline rows, see patt.admin_columns.LabelledInlineMixin)
   or its <label>. Static file, loaded by templates/admin/base_site.html (strict CSP). */
(function () {
  "use strict";

  function nameOf(select) {
    var name = select.getAttribute("aria-label");
    if (!name && select.id) {
      var label = document.querySelector('label[for="' + select.id + '"]');
      if (label) {
        name = label.textContent.replace(/:\s*$/, "").trim();
      }
    }
    return name;
  }

  function nameAutocompletes(root) {
    var selects = root.querySelectorAll("select.admin-autocomplete");
    Array.prototype.forEach.call(selects, function (select) {
      var container = select.nextElementSibling;
      var name = nameOf(select);
      if (!container || !name) {
        return;
      }
      // The combobox and the read-only text box inside it that shows the choice.
      var parts = container.querySelectorAll(".select2-selection, .select2-selection__rendered");
      Array.prototype.forEach.call(parts, function (part) {
        if (part.getAttribute("aria-label") !== name) {
          part.setAttribute("aria-label", name); // an attribute: no new nodes, no loop
        }
      });
    });
  }

  // Select2 boxes appear when Django's autocomplete.js (or an added inline row) sets them up,
  // whenever that is: name every new one as soon as it is in the page.
  function watch() {
    nameAutocompletes(document);
    if (!window.MutationObserver) {
      return;
    }
    var pending = false;
    new MutationObserver(function () {
      if (pending) {
        return;
      }
      pending = true;
      window.queueMicrotask(function () {
        pending = false;
        nameAutocompletes(document);
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", watch);
  } else {
    watch();
  }
})();
