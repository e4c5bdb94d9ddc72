/* What every form of the registry shares (loaded by victims/_form_errors.html, which every form
   page includes; no inline script: the CSP is strict). Each part only helps: without this
   script the forms work as they are.

   1. Error summary: after the server refused a form, focus moves to the summary at its top
      (#form-errors, tabindex=-1), whose links put the focus on the field they name.
   2. Dates (input.date-input): "2024/3/5", "2024.3.5" or "20240305" become "2024-03-05" when
      the field is left; a date after data-latest is flagged with the registry's own message.
   3. Divisions (input[data-division]): a <select> per level, province -> city -> county, each
      filled from the JSON of data-divisions-url (?parent=code); the chosen county's code is
      written into the input, which stays for typing a code. */
(function () {
  "use strict";

  // A page with several forms includes the script once per form: run once.
  if (window.registryForms) { return; }
  window.registryForms = true;

  /* 1. error summary */
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var control = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      (control || target).focus();
      target.scrollIntoView({block: "center"});
    });
  }

  /* 2. dates */
  function pad(value) { return value.length === 1 ? "0" + value : value; }

  function tidyDate(input) {
    var value = input.value.trim();
    // 2024/3/5, 2024.3.5, 2024 3 5, 20240305, and 2024 nian 3 yue 5 ri (escaped: an ASCII-only file)
    var parts = value.match(/^(\d{4})[\/.\- \u5e74]?(\d{1,2})[\/.\- \u6708]?(\d{1,2})\u65e5?$/);
    if (parts) {
      value = parts[1] + "-" + pad(parts[2]) + "-" + pad(parts[3]);
      input.value = value;
    }
    var note = input.parentNode.querySelector(".field__error[data-client]");
    var latest = input.getAttribute("data-latest");
    var late = latest && /^\d{4}-\d{2}-\d{2}$/.test(value) && value > latest;
    if (late && !note) {
      note = document.createElement("p");
      note.className = "field__error";
      note.setAttribute("data-client", "");
      note.id = input.id + "_client_error";
      note.textContent = input.getAttribute("data-latest-message");
      input.insertAdjacentElement("afterend", note);
    } else if (!late && note) {
      note.remove();
    }
    input.setAttribute("aria-invalid", late ? "true" : "false");
  }

  document.querySelectorAll("input.date-input").forEach(function (input) {
    input.addEventListener("change", function () { tidyDate(input); });
  });

  /* 3. divisions */
  function load(url, parent) {
    return fetch(url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {divisions: []}; })
      .then(function (body) { return body.divisions; });
  }

  function cascade(input) {
    var url = input.getAttribute("data-divisions-url");
    var holder = document.createElement("span");
    holder.className = "division-picker__levels";
    input.closest(".division-picker").insertAdjacentElement("beforebegin", holder);
    var place = document.getElementById(input.id + "_place");
    var labels = (input.getAttribute("data-levels") || "").split("|");

    function level(depth, parent, wanted) {
      while (holder.children.length > depth) { holder.lastChild.remove(); }
      return load(url, parent).then(function (rows) {
        if (!rows.length) { return; }
        var select = document.createElement("select");
        select.setAttribute("aria-label", labels[depth] || "");
        select.appendChild(new Option(input.getAttribute("data-choose") || "\u2026", ""));
        rows.forEach(function (row) {
          var option = new Option(row.name, row.code);
          option.setAttribute("data-leaf", row.leaf ? "1" : "");
          select.appendChild(option);
        });
        holder.appendChild(select);
        select.addEventListener("change", function () {
          var option = select.selectedOptions[0];
          if (!select.value) { return; }
          if (option.getAttribute("data-leaf")) {
            input.value = select.value;
            if (place) {
              place.textContent = Array.prototype.map.call(holder.querySelectorAll("select"), function (each) {
                return each.selectedOptions[0].text;
              }).join("");
            }
            while (holder.children.length > depth + 1) { holder.lastChild.remove(); }
          } else {
            level(depth + 1, select.value, null);
          }
        });
        var pick = wanted && rows.filter(function (row) { return wanted.indexOf(row.code) === 0; })[0];
        if (pick) {
          select.value = pick.code;
          if (!pick.leaf) { return level(depth + 1, pick.code, wanted); }
        }
      });
    }

    var current = /^\d{6}$/.test(input.value) ? input.value : null;
    level(0, "", current);
  }

  document.querySelectorAll("input[data-division]").forEach(cascade);
}());
