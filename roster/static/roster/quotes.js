/* Mito's Corner (ROS-53 … ROS-55): progressive enhancement of /mitos-corner. Without this
   file every control is a link or a form and works the same, with a page load. Static file,
   no inline handlers (CSP, ACC-54). */
(function () {
  "use strict";

  var TOAST_MS = 3000;

  function readData() {
    var island = document.getElementById("mitos-data");
    if (!island) {
      return null;
    }
    try {
      return JSON.parse(island.textContent);
    } catch (err) {
      return null;
    }
  }

  /* Tabs switch in place; the address keeps ?tab= so a reload shows the same tab. */
  function tabs(root) {
    var links = root.querySelectorAll("[data-quotes-tab]");
    var panels = root.querySelectorAll("[data-quotes-panel]");
    function show(key) {
      Array.prototype.forEach.call(panels, function (panel) {
        panel.hidden = panel.getAttribute("data-quotes-panel") !== key;
      });
      Array.prototype.forEach.call(links, function (link) {
        var active = link.getAttribute("data-quotes-tab") === key;
        if (active) {
          link.setAttribute("aria-current", "page");
        } else {
          link.removeAttribute("aria-current");
        }
      });
    }
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var key = link.getAttribute("data-quotes-tab");
        show(key);
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "?tab=" + encodeURIComponent(key));
        }
      });
    });
    return show;
  }

  /* Inline edit: Edit shows the row's form, Cancel restores the text as it was. */
  function inlineEdit(root) {
    var rows = root.querySelectorAll("[data-quote-row]");
    Array.prototype.forEach.call(rows, function (row) {
      var text = row.querySelector("[data-quote-row-text]");
      var actions = row.querySelector("[data-quote-row-actions]");
      var form = row.querySelector("[data-quote-edit-form]");
      var edit = row.querySelector("[data-quote-edit]");
      var cancel = row.querySelector("[data-quote-cancel]");
      if (!form || !edit || !text) {
        return;
      }
      var area = form.querySelector("textarea");
      function editing(on) {
        form.hidden = !on;
        text.hidden = on;
        if (actions) {
          actions.hidden = on;
        }
        row.classList.toggle("is-editing", on);
      }
      edit.addEventListener("click", function (event) {
        event.preventDefault();
        editing(true);
        if (area) {
          area.focus();
        }
      });
      if (cancel) {
        cancel.addEventListener("click", function (event) {
          event.preventDefault();
          if (area) {
            area.value = area.getAttribute("data-original") || "";
          }
          var error = form.querySelector(".field-error");
          if (error) {
            error.remove();
          }
          editing(false);
        });
      }
    });
  }

  /* Delete asks "Delete this quote? This cannot be undone." and posts the row's form. */
  function confirmDeletes(root) {
    var links = root.querySelectorAll("[data-quote-delete]");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var row = link.closest("[data-quote-row]");
        var form = row && row.querySelector("[data-quote-delete-form]");
        if (form && window.confirm(link.getAttribute("data-confirm"))) {
          form.submit();
        }
      });
    });
  }

  function pick(list) {
    return list[Math.floor(Math.random() * list.length)];
  }

  /* "Shuffle again" without a reload: a random pair from the lists on the page. */
  function shuffle(root, data, showTab) {
    var button = root.querySelector("[data-quotes-shuffle]");
    var pair = root.querySelector("[data-quote-pair]");
    if (!button || !pair || !data) {
      return;
    }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var quoteEl = pair.querySelector("[data-quote-text]");
      var titleEl = pair.querySelector("[data-quote-title]");
      if (quoteEl && data.quotes.length) {
        quoteEl.textContent = pick(data.quotes);
      }
      if (titleEl) {
        titleEl.textContent = data.titles.length ? pick(data.titles) : data.defaultTitle;
      }
      showTab("today");
    });
  }

  /* ROS-55: success toasts hide after 3 s; errors stay until dismissed. */
  function hideToasts() {
    var toasts = document.querySelectorAll(".flash-success");
    Array.prototype.forEach.call(toasts, function (toast) {
      window.setTimeout(function () {
        toast.classList.add("is-hiding");
        window.setTimeout(function () {
          toast.hidden = true;
        }, 300);
      }, TOAST_MS);
    });
  }

  function init() {
    var root = document.querySelector("[data-mitos-corner]");
    if (!root) {
      return;
    }
    var showTab = tabs(root);
    inlineEdit(root);
    confirmDeletes(root);
    shuffle(root, readData(), showTab);
    hideToasts();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
