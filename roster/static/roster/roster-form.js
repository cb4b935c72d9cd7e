/* /roster (ROS-14, ROS-11): the spec select offers only the chosen class's specs and the role
   follows the spec. Data comes from the JSON island #roster-form-data (rendered with
   json_script, inert under the CSP). Without JS the server checks the class/spec pair. */
(function () {
  "use strict";

  var island = document.getElementById("roster-form-data");
  if (!island) {
    return;
  }
  var data = JSON.parse(island.textContent);
  var classes = data.classes || {};
  var specs = {};
  Object.keys(classes).forEach(function (classId) {
    classes[classId].forEach(function (spec) {
      specs[String(spec.id)] = spec;
    });
  });

  function option(value, label) {
    var el = document.createElement("option");
    el.value = value;
    el.textContent = label;
    return el;
  }

  /* Rebuild the spec options for one class, keeping the current choice when it still fits. */
  function fillSpecs(select, classId) {
    var current = select.value;
    var list = classes[classId] || [];
    while (select.firstChild) {
      select.removeChild(select.firstChild);
    }
    select.appendChild(option("", classId ? "Choose a spec" : "Choose a class first"));
    list.forEach(function (spec) {
      select.appendChild(option(String(spec.id), spec.label));
    });
    select.value = list.some(function (spec) {
      return String(spec.id) === current;
    })
      ? current
      : "";
    select.disabled = !classId;
  }

  function showRole(form, select) {
    var output = form.querySelector("[data-role-output]");
    if (!output) {
      return;
    }
    var spec = specs[select.value];
    output.textContent = spec ? spec.role : "\u2014";
  }

  var forms = document.querySelectorAll("[data-roster-form]");
  Array.prototype.forEach.call(forms, function (form) {
    var specSelect = form.querySelector("[data-spec-select]");
    if (!specSelect) {
      return;
    }
    var classSelect = form.querySelector("[data-class-select]");
    if (classSelect) {
      fillSpecs(specSelect, classSelect.value);
      classSelect.addEventListener("change", function () {
        fillSpecs(specSelect, classSelect.value);
        showRole(form, specSelect);
      });
    }
    specSelect.addEventListener("change", function () {
      showRole(form, specSelect);
    });
    showRole(form, specSelect);
  });
})();
