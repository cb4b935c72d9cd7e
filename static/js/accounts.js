/* PATT sign-up page: "Passwords match" / "Passwords do not match" while typing (ACC-24).
   Static file, loaded only by the sign-up page; no inline handlers (ACC-54). The server checks
   the passwords again (ACC-25 step 3), so the page works the same without it. */
(function () {
  "use strict";

  function passwordMatchHints() {
    var hints = document.querySelectorAll("[data-password-match]");
    Array.prototype.forEach.call(hints, function (hint) {
      var password = document.getElementById(hint.getAttribute("data-password"));
      var confirm = document.getElementById(hint.getAttribute("data-confirm"));
      if (!password || !confirm) {
        return;
      }
      var update = function () {
        if (!confirm.value) {
          hint.hidden = true;
          return;
        }
        var same = password.value === confirm.value;
        hint.textContent = same ? "Passwords match" : "Passwords do not match";
        hint.classList.toggle("password-match-ok", same);
        hint.classList.toggle("password-match-bad", !same);
        hint.hidden = false;
      };
      password.addEventListener("input", update);
      confirm.addEventListener("input", update);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", passwordMatchHints);
  } else {
    passwordMatchHints();
  }
})();
