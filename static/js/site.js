/* PATT site script: progressive enhancements only; every page works without it (ACC-48).
   Static file, no inline handlers (ACC-54). */
(function () {
  "use strict";

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /* ACC-4: append the viewer's local time to every <time datetime> rendered in UTC:
     "Mar 1, 2026 21:00 UTC · 4:00 PM your time". The local date is added when it differs
     from the UTC date, so "9 PM UTC" never reads as the wrong evening. */
  function localTimes(root) {
    var times = root.querySelectorAll("time[datetime]:not([data-local-done])");
    Array.prototype.forEach.call(times, function (el) {
      el.setAttribute("data-local-done", "");
      var value = el.getAttribute("datetime");
      if (value.indexOf("T") === -1) {
        return; // a date without a time of day has no local time
      }
      var moment = new Date(value);
      if (isNaN(moment.getTime())) {
        return;
      }
      var text = moment.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
      if (moment.getDate() !== moment.getUTCDate()) {
        text = MONTHS[moment.getMonth()] + " " + moment.getDate() + ", " + text;
      }
      var span = document.createElement("span");
      span.className = "local-time";
      // "\u00b7" is "·", escaped so the file decodes the same under any charset.
      span.textContent = " \u00b7 " + text + " your time";
      el.insertAdjacentElement("afterend", span);
    });
  }

  /* ACC-44: flash messages get a dismiss button (hidden in the HTML for no-JS visitors). */
  function dismissibleFlashes() {
    var buttons = document.querySelectorAll("[data-dismiss-flash]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var flash = button.closest(".flash");
        if (flash) {
          flash.remove();
        }
      });
    });
  }

  /* ACC-47: hero art that fails to load (or is blocked by the CSP) disappears. The error may
     fire before this deferred script runs, so already-broken images are hidden too. */
  function hideBrokenImages() {
    var images = document.querySelectorAll("img[data-hide-on-error]");
    Array.prototype.forEach.call(images, function (img) {
      var hide = function () {
        var box = img.closest(".hero-art") || img;
        box.hidden = true;
      };
      img.addEventListener("error", hide);
      if (img.complete && img.naturalWidth === 0) {
        // Broken already, or lazy and not started: a probe load settles which one it is.
        var probe = new Image();
        probe.addEventListener("error", hide);
        probe.src = img.currentSrc || img.src;
      }
    });
  }

  /* ACC-49: the 404 page's Back button, shown only when there is somewhere to go back to. */
  function backButtons() {
    var buttons = document.querySelectorAll("[data-history-back]");
    Array.prototype.forEach.call(buttons, function (button) {
      if (window.history.length < 2) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        window.history.back();
      });
    });
  }

  /* ACC-45/46: the <details> menus (mobile menu, user menu) open and close without JS; with
     it, a click elsewhere or Escape closes an open one, as a menu is expected to behave. */
  function closableMenus() {
    var menus = document.querySelectorAll("details.nav-mobile, details[data-dropdown]");
    if (!menus.length) {
      return;
    }
    var closeAll = function (except) {
      Array.prototype.forEach.call(menus, function (menu) {
        if (menu !== except && menu.open) {
          menu.open = false;
        }
      });
    };
    document.addEventListener("click", function (event) {
      closeAll(event.target.closest("details.nav-mobile, details[data-dropdown]"));
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") {
        return;
      }
      var open = document.querySelector("details.nav-mobile[open], details[data-dropdown][open]");
      if (open) {
        open.open = false;
        open.querySelector("summary").focus();
      }
    });
  }

  function init() {
    localTimes(document);
    closableMenus();
    dismissibleFlashes();
    hideBrokenImages();
    backButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
