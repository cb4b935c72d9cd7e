/* Campaign countdowns (CMP-37, ACC-47). Static file, no inline handlers (ACC-54).

   Markup: <span class="countdown" data-countdown="<ISO 8601 UTC>" data-countdown-done="Voting
   has ended" data-countdown-reload hidden></span>, next to a <time> that already says the
   moment in UTC (the no-JS text, ACC-48). The script shows the span and rewrites it every
   second as "Xd Yh Zm Ss". At zero it shows the done text and, with data-countdown-reload,
   reloads the page after 3 s — only when the zero was crossed while the page was open, so a
   page served just after the moment never reloads in a loop. */
(function () {
  "use strict";

  var RELOAD_DELAY_MS = 3000;

  function format(totalSeconds) {
    var days = Math.floor(totalSeconds / 86400);
    var hours = Math.floor((totalSeconds % 86400) / 3600);
    var minutes = Math.floor((totalSeconds % 3600) / 60);
    var seconds = totalSeconds % 60;
    return days + "d " + hours + "h " + minutes + "m " + seconds + "s";
  }

  function start(el) {
    var target = new Date(el.getAttribute("data-countdown")).getTime();
    if (isNaN(target)) {
      return;
    }
    var doneText = el.getAttribute("data-countdown-done") || "";
    var reload = el.hasAttribute("data-countdown-reload");
    var prefix = el.getAttribute("data-countdown-prefix") || "";
    var suffix = el.getAttribute("data-countdown-suffix") || "";
    var wasRunning = target > Date.now();
    var timer = null;

    function tick() {
      var left = Math.floor((target - Date.now()) / 1000);
      if (left > 0) {
        el.textContent = prefix + format(left) + suffix;
        return;
      }
      el.textContent = doneText;
      el.classList.add("countdown-done");
      if (timer !== null) {
        window.clearInterval(timer);
        timer = null;
      }
      if (reload && wasRunning) {
        wasRunning = false;
        window.setTimeout(function () {
          window.location.reload();
        }, RELOAD_DELAY_MS);
      }
    }

    el.hidden = false;
    tick();
    if (target > Date.now()) {
      timer = window.setInterval(tick, 1000);
    }
  }

  function init() {
    var elements = document.querySelectorAll("[data-countdown]");
    Array.prototype.forEach.call(elements, start);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
