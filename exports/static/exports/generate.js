/* A form that takes a while to answer (generating a dossier, issue 18 item 6) is sent once:
 * a form marked data-submit-once, once submitted, refuses to be submitted again, disables its
 * submit button (showing the button's data-busy-text) and shows its role="status" progress
 * note. Coming back to the page through the browser's history makes it usable again. The
 * server makes a second identical request return the same job anyway (exports.jobs). No inline
 * script: the Content-Security-Policy allows scripts of this origin only. */
(function () {
  "use strict";

  function arm(form) {
    var button = form.querySelector("[type=submit]");
    var progress = form.querySelector("[role=status]");
    var idleText = button ? button.textContent : "";
    var sent = false;

    form.addEventListener("submit", function (event) {
      if (sent) {
        event.preventDefault();
        return;
      }
      sent = true;
      if (button) {
        // After this event: a button disabled now would still let this submission through.
        setTimeout(function () {
          button.disabled = true;
          button.setAttribute("aria-disabled", "true");
          button.textContent = button.getAttribute("data-busy-text") || idleText;
        }, 0);
      }
      form.setAttribute("aria-busy", "true");
      if (progress) {
        progress.hidden = false;
      }
    });

    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        sent = false;
        form.removeAttribute("aria-busy");
        if (button) {
          button.disabled = false;
          button.removeAttribute("aria-disabled");
          button.textContent = idleText;
        }
        if (progress) {
          progress.hidden = true;
        }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), arm);
})();
