/* /roster-view (ROS-19, ROS-22): switch tabs and open/close "Who's out" without a reload.
   Every control is a plain link that works without this script; here the same link is fetched
   and #roster-dashboard is swapped in place, the address bar follows (history.pushState), and
   Back/Forward restore the earlier view. Any failure falls back to ordinary navigation. */
(function () {
  "use strict";

  var DASHBOARD = "roster-dashboard";
  var cache = new Map();
  // Two clicks in quick succession start two fetches; only the latest may update the page, so a
  // slow earlier answer never overwrites the view the member asked for last.
  var latest = 0;

  function dashboard() {
    return document.getElementById(DASHBOARD);
  }

  function fetchDashboard(url) {
    if (cache.has(url)) {
      return Promise.resolve(cache.get(url));
    }
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(DASHBOARD);
        if (!fresh) {
          throw new Error("no dashboard in response");
        }
        cache.set(url, fresh.innerHTML);
        return fresh.innerHTML;
      });
  }

  function show(url, push, focusSelector) {
    var current = dashboard();
    if (!current) {
      window.location.assign(url);
      return;
    }
    current.classList.add("is-loading");
    var ticket = ++latest;
    fetchDashboard(url)
      .then(function (inner) {
        if (ticket !== latest) {
          return;
        }
        current.innerHTML = inner;
        current.classList.remove("is-loading");
        var active = current.querySelector('.tab[aria-current="page"]');
        if (active) {
          current.setAttribute("data-tab", active.getAttribute("data-tab-key"));
        }
        if (push) {
          window.history.pushState({ rosterView: true }, "", url);
        }
        // The clicked link was replaced: put focus back on its counterpart.
        var target = focusSelector && current.querySelector(focusSelector);
        if (target) {
          target.focus({ preventScroll: true });
        }
      })
      .catch(function () {
        if (ticket !== latest) {
          return;
        }
        window.location.assign(url);
      });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) {
      return;
    }
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    var link = event.target.closest("a[data-roster-link]");
    if (!link || !dashboard() || !dashboard().contains(link)) {
      return;
    }
    event.preventDefault();
    var bar = link.closest("[data-day]");
    var focusSelector = null;
    if (bar) {
      focusSelector = '[data-day="' + bar.getAttribute("data-day") + '"] .day-link';
    } else if (link.hasAttribute("data-sort-chip")) {
      focusSelector = '[data-sort-chip="' + link.getAttribute("data-sort-chip") + '"]';
    } else if (link.hasAttribute("data-sort-key")) {
      focusSelector = '.sort-link[data-sort-key="' + link.getAttribute("data-sort-key") + '"]';
    } else if (link.hasAttribute("data-tab-key")) {
      focusSelector = '.tab[aria-current="page"]';
    }
    show(link.href, true, focusSelector);
  });

  window.addEventListener("popstate", function () {
    if (dashboard()) {
      show(window.location.href, false, null);
    }
  });
})();
