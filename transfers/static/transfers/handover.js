/* The hand-over form: show the fields of the destination the radio names (a province, or a
   country with the repatriation's references) and hide the other's. Without this script both
   groups are shown and the server keeps only the chosen destination's fields. */
(function () {
  "use strict";

  var form = document.getElementById("handover-form");
  if (!form) { return; }
  var radios = form.querySelectorAll("input[name='destination']");
  var groups = form.querySelectorAll("[data-destination]");

  function show() {
    var chosen = form.querySelector("input[name='destination']:checked");
    groups.forEach(function (group) {
      group.hidden = Boolean(chosen) && group.getAttribute("data-destination") !== chosen.value;
    });
  }

  radios.forEach(function (radio) { radio.addEventListener("change", show); });
  show();
}());
