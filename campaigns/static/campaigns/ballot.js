/* The ranked ballot (CMP-38) on top of the no-JS form (CMP-39). Static file (ACC-54).

   The entry cards are <button aria-pressed> elements (Enter and Space work natively). Clicking
   an unpicked card makes it the next pick; clicking a picked card removes it and the later
   picks move up; with N picks the other cards are unavailable. The picks bar shows N slots,
   Clear, and "Submit vote", enabled only at exactly N picks. Submitting asks for
   confirmation in the page's native <dialog> (issue 16: styled, keyboard-friendly, focus back
   on "Submit vote" when dismissed; the browser's confirm() only where <dialog> is missing),
   writes the picks into the fallback form's pick_1 … pick_N selects and submits that form, so
   there is one server path. Selections the server kept after an error (the selects' values)
   are applied to the cards on load. */
(function () {
  "use strict";

  var CONFIRM_TEXT = "Submit these picks? Votes can't be changed.";
  var EMPTY_SLOT = "\u2014"; // "—"

  function ordinal(n) {
    var tens = n % 100;
    if (tens >= 11 && tens <= 13) {
      return n + "th";
    }
    switch (n % 10) {
      case 1:
        return n + "st";
      case 2:
        return n + "nd";
      case 3:
        return n + "rd";
      default:
        return n + "th";
    }
  }

  function setUp(ballot) {
    var required = parseInt(ballot.getAttribute("data-picks-required"), 10);
    var form = ballot.querySelector("[data-ballot-form]");
    var bar = ballot.querySelector("[data-picks-bar]");
    if (!required || !form || !bar) {
      return;
    }
    var cards = Array.prototype.slice.call(ballot.querySelectorAll("[data-entry-id]"));
    var slots = Array.prototype.slice.call(bar.querySelectorAll("[data-slot-name]"));
    var clearButton = bar.querySelector("[data-clear]");
    var submitButton = bar.querySelector("[data-submit]");
    var status = bar.querySelector("[data-picks-status]");
    var dialog = ballot.querySelector("[data-confirm-dialog]");
    var dialogPicks = dialog ? dialog.querySelector("[data-confirm-picks]") : null;
    var canDialog = !!(dialog && typeof dialog.showModal === "function");
    var names = {};
    cards.forEach(function (card) {
      names[card.getAttribute("data-entry-id")] = card.getAttribute("data-entry-name");
    });
    var picks = [];
    var submitting = false;

    // Selections kept by the server after a refused submission (CMP-39).
    for (var rank = 1; rank <= required; rank += 1) {
      var select = form.querySelector('[name="pick_' + rank + '"]');
      var value = select ? select.value : "";
      if (value && Object.prototype.hasOwnProperty.call(names, value) && picks.indexOf(value) === -1) {
        picks.push(value);
      }
    }

    function render() {
      var full = picks.length >= required;
      cards.forEach(function (card) {
        var id = card.getAttribute("data-entry-id");
        var index = picks.indexOf(id);
        var badge = card.querySelector("[data-pick-badge]");
        card.setAttribute("aria-pressed", index === -1 ? "false" : "true");
        card.classList.toggle("is-picked", index !== -1);
        var unavailable = index === -1 && full;
        card.classList.toggle("is-unavailable", unavailable);
        if (unavailable) {
          card.setAttribute("aria-disabled", "true");
        } else {
          card.removeAttribute("aria-disabled");
        }
        if (badge) {
          badge.textContent = index === -1 ? "" : ordinal(index + 1);
          badge.hidden = index === -1;
        }
      });
      slots.forEach(function (slot, index) {
        slot.textContent = index < picks.length ? names[picks[index]] : EMPTY_SLOT;
        slot.classList.toggle("is-empty", index >= picks.length);
      });
      if (status) {
        status.textContent = picks.length + " of " + required + " picked";
      }
      clearButton.disabled = submitting || picks.length === 0;
      submitButton.disabled = submitting || picks.length !== required;
    }

    cards.forEach(function (card) {
      card.addEventListener("click", function () {
        if (submitting) {
          return;
        }
        var id = card.getAttribute("data-entry-id");
        var index = picks.indexOf(id);
        if (index !== -1) {
          picks.splice(index, 1); // later picks move up
        } else if (picks.length < required) {
          picks.push(id);
        } else {
          return; // full: other cards do nothing
        }
        render();
      });
    });

    clearButton.addEventListener("click", function () {
      picks = [];
      render();
    });

    function send() {
      for (var r = 1; r <= required; r += 1) {
        var field = form.querySelector('[name="pick_' + r + '"]');
        if (field) {
          field.value = picks[r - 1];
        }
      }
      submitting = true;
      submitButton.textContent = "Submitting\u2026";
      render();
      form.submit();
    }

    function askInDialog() {
      while (dialogPicks && dialogPicks.firstChild) {
        dialogPicks.removeChild(dialogPicks.firstChild);
      }
      picks.forEach(function (id, index) {
        if (!dialogPicks) {
          return;
        }
        var item = document.createElement("li");
        var rankLabel = document.createElement("span");
        rankLabel.className = "pick-rank";
        rankLabel.textContent = ordinal(index + 1);
        item.appendChild(rankLabel);
        item.appendChild(document.createTextNode(" " + names[id]));
        dialogPicks.appendChild(item);
      });
      dialog.returnValue = "";
      dialog.showModal();
    }

    if (canDialog) {
      dialog.addEventListener("close", function () {
        if (dialog.returnValue === "confirm" && picks.length === required && !submitting) {
          send();
        } else {
          submitButton.focus(); // dismissed: back where the voter was
        }
      });
    }

    submitButton.addEventListener("click", function () {
      if (submitting || picks.length !== required) {
        return;
      }
      if (canDialog) {
        askInDialog();
        return;
      }
      if (window.confirm(CONFIRM_TEXT)) {
        send();
      }
    });

    // Back from the next page out of the browser's cache: the submission is over.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && submitting) {
        submitting = false;
        submitButton.textContent = "Submit vote";
        render();
      }
    });

    // The cards and the bar replace the selects; the form stays as the carrier.
    form.hidden = true;
    bar.hidden = false;
    ballot.classList.add("is-enhanced");
    render();
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-ballot]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
