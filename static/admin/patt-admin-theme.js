/* PATT admin (issue 16): dark by default. Runs before Django's admin/js/theme.js, which reads
   the choice from localStorage ("auto" when none): a first visit gets "dark", and the theme
   toggle then cycles dark -> light -> auto as Django's does. Static file, CSP-safe. */
(function () {
  "use strict";
  try {
    if (!window.localStorage.getItem("theme")) {
      window.localStorage.setItem("theme", "dark");
    }
  } catch (e) {
    /* storage blocked: Django's theme.js falls back to "auto" (the system's choice) */
  }
})();
