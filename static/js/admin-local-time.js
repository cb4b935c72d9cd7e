/* PATT admin (issue 16): the viewer's local time beside every UTC time. Static file, loaded
   by templates/admin/base_site.html; no inline script (strict CSP). The server renders UTC and
   the page works without this script.

   - `<time datetime="2026-03-01T21:00:00Z" data-local>2026-03-01 21:00 UTC</time>` (list
     columns, read-only fields, worker health) gets " · Mar 1, 4:00 PM your time" after it.
   - A date-and-time input (`<input type="datetime-local">`, or Django's split date + time
     inputs) holds the server's time, which is UTC (`data-admin-utc-offset` on <body> says
     so); a line under it says the same moment in the viewer's time, and follows the typing.

   Nothing is added where the viewer's time zone is UTC at that moment: it would repeat the
   UTC text. */
(function () {
  "use strict";

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function serverOffsetMinutes() {
    var seconds = parseInt(document.body.getAttribute("data-admin-utc-offset") || "0", 10);
    return isNaN(seconds) ? 0 : seconds / 60;
  }

  function zoneName(moment) {
    try {
      var parts = new Intl.DateTimeFormat([], { timeZoneName: "short" }).formatToParts(moment);
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "timeZoneName") {
          return parts[i].value;
        }
      }
    } catch (e) {
      /* old browsers: no zone name */
    }
    return "";
  }

  /* "Mar 1, 4:00 PM EST" for a Date, or "" when the viewer's zone is UTC then. */
  function localText(moment) {
    if (moment.getTimezoneOffset() === 0) {
      return "";
    }
    var time = moment.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
    var zone = zoneName(moment);
    return (
      MONTHS[moment.getMonth()] + " " + moment.getDate() + ", " + time + (zone ? " " + zone : "")
    );
  }

  function markTimes(root) {
    var times = root.querySelectorAll("time[datetime][data-local]:not([data-local-done])");
    Array.prototype.forEach.call(times, function (el) {
      el.setAttribute("data-local-done", "");
      var moment = new Date(el.getAttribute("datetime"));
      if (isNaN(moment.getTime())) {
        return;
      }
      var text = localText(moment);
      if (!text) {
        return;
      }
      var span = document.createElement("span");
      span.className = "local-time";
      // "\u00b7" is "·", escaped so the file decodes the same under any charset.
      span.textContent = " \u00b7 " + text + " your time";
      el.insertAdjacentElement("afterend", span);
    });
  }

  /* The moment a server-time (UTC) value means, or null: "2026-03-01T21:00" or a date
     "2026-03-01" with a time "21:00[:00]". */
  function serverMoment(date, time) {
    var d = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec((date || "").trim());
    var t = /^(\d{1,2}):(\d{2})(?::(\d{2}))?/.exec((time || "").trim());
    if (!d || !t) {
      return null;
    }
    var ms = Date.UTC(+d[1], +d[2] - 1, +d[3], +t[1], +t[2], +(t[3] || 0));
    return new Date(ms - serverOffsetMinutes() * 60000);
  }

  function addLine(after, read, watch) {
    var line = document.createElement("span");
    line.className = "local-time-input";
    line.setAttribute("aria-live", "polite");
    after.insertAdjacentElement("afterend", line);
    function update() {
      var moment = read();
      var text = moment && !isNaN(moment.getTime()) ? localText(moment) : "";
      line.textContent = text ? "Your time: " + text : "";
      line.hidden = !text;
    }
    watch.forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
      // Django's calendar and clock pickers set the value, then focus the input.
      input.addEventListener("focus", update);
    });
    update();
  }

  function markInputs(root) {
    var singles = root.querySelectorAll('input[type="datetime-local"]:not([data-local-done])');
    Array.prototype.forEach.call(singles, function (input) {
      input.setAttribute("data-local-done", "");
      addLine(
        input,
        function () {
          var parts = input.value.split("T");
          return serverMoment(parts[0], parts[1]);
        },
        [input]
      );
    });
    // Django's AdminSplitDateTime: <p class="datetime"> with a date and a time input.
    var pairs = root.querySelectorAll("p.datetime:not([data-local-done])");
    Array.prototype.forEach.call(pairs, function (box) {
      var date = box.querySelector("input.vDateField");
      var time = box.querySelector("input.vTimeField");
      if (!date || !time) {
        return;
      }
      box.setAttribute("data-local-done", "");
      addLine(
        box,
        function () {
          return serverMoment(date.value, time.value);
        },
        [date, time]
      );
    });
  }

  function run(root) {
    markTimes(root);
    markInputs(root);
  }

  document.addEventListener("DOMContentLoaded", function () {
    run(document);
    // Inline rows added with "Add another …" carry their own inputs.
    document.addEventListener("formset:added", function (event) {
      run(event.target || document);
    });
  });
})();
