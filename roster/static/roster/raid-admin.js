/* /raid-admin (ROS-37, ROS-39, ROS-40, ROS-42): progressive enhancement only; every part of the
   page works without this file. No inline code anywhere (strict CSP). */
(function () {
  "use strict";

  // ROS-37: "Copy" buttons copy their command box's text to the clipboard.
  function setUpCopyButtons() {
    var buttons = document.querySelectorAll("[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var box = document.getElementById(button.getAttribute("data-copy-target"));
      if (!box || !navigator.clipboard) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(box.textContent).then(
          function () {
            button.textContent = "Copied!";
            window.setTimeout(function () {
              button.textContent = "Copy";
            }, 2000);
          },
          function () {
            button.textContent = "Select and copy";
          }
        );
      });
    });
  }

  // ROS-42: while an event is being created, fetch its status box every 2 s and swap it in.
  var POLL_MS = 2000;
  var MAX_POLLS = 90;

  function poll(box, count) {
    var url = box.getAttribute("data-poll-url");
    if (!url || count >= MAX_POLLS) {
      return;
    }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          if (!fresh) {
            return;
          }
          box.replaceWith(fresh);
          if (fresh.hasAttribute("data-event-status")) {
            poll(fresh, count + 1);
          }
        })
        .catch(function () {
          poll(box, count + 1);
        });
    }, POLL_MS);
  }

  function setUpPolling() {
    var boxes = document.querySelectorAll("[data-event-status]");
    Array.prototype.forEach.call(boxes, function (box) {
      poll(box, 0);
    });
  }

  // ROS-39: forms with data-confirm ask first ("Reset all event templates to defaults?").
  function setUpConfirms() {
    var forms = document.querySelectorAll("form[data-confirm]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  }

  // ROS-40: picking a template fills in its title and description.
  function setUpTemplatePrefill() {
    var select = document.querySelector("[data-template-select]");
    if (!select) {
      return;
    }
    var form = select.form;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option) {
        return;
      }
      form.elements.title.value = option.getAttribute("data-title") || "";
      form.elements.description.value = option.getAttribute("data-description") || "";
    });
  }

  function init() {
    setUpCopyButtons();
    setUpPolling();
    setUpConfirms();
    setUpTemplatePrefill();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
