/* CMP-12: preset buttons (24 h / 48 h / 1 week / 2 weeks) next to the campaign duration box.
   The presets come from the input's data-duration-presets attribute ("hours:label,..."). */
(function () {
  "use strict";

  function addPresets(input) {
    var holder = document.createElement("span");
    holder.className = "duration-presets";
    input.getAttribute("data-duration-presets").split(",").forEach(function (preset) {
      var parts = preset.split(":");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button duration-preset";
      button.textContent = parts[1];
      button.setAttribute("data-hours", parts[0]);
      button.addEventListener("click", function () {
        input.value = parts[0];
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      holder.appendChild(button);
    });
    input.insertAdjacentElement("afterend", holder);
  }

  function init() {
    document.querySelectorAll("input[data-duration-presets]").forEach(addPresets);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
