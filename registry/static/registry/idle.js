/* The idle warning (issue 18, item 7): a signed-in session ends after SESSION_IDLE_SECONDS
 * without a request (registry.middleware.SessionTimeoutMiddleware). Before that, this script
 * opens the dialog of registry/accounts/_idle_dialog.html (role="alertdialog", focus moved to
 * it): "continue working" posts to the keep-alive URL (CSRF token of the dialog's own form,
 * 204) and starts the count again; "sign out" is the dialog's sign-out form. When the time is
 * up the dialog says the session has ended.
 *
 * Read from <body>: data-idle-seconds (the time-out) and data-keep-alive-url. The warning comes
 * WARN_SECONDS before the end, or halfway for a time-out shorter than twice that. No inline
 * script: the Content-Security-Policy allows scripts of this origin only. */
(function () {
  "use strict";

  var WARN_SECONDS = 120;
  var body = document.body;
  var dialog = document.getElementById("idle-dialog");
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var keepAliveUrl = body.getAttribute("data-keep-alive-url");
  if (!dialog || !keepAliveUrl || !(idleSeconds > 0) || typeof dialog.showModal !== "function") {
    return;
  }
  var warnAfter = Math.max(idleSeconds - WARN_SECONDS, idleSeconds / 2) * 1000;
  var continueButton = document.getElementById("idle-continue");
  var warning = document.getElementById("idle-warning");
  var ended = document.getElementById("idle-ended");
  var csrf = dialog.querySelector("input[name=csrfmiddlewaretoken]");
  var warnTimer = null;
  var endTimer = null;
  var returnFocus = null;

  function start() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, warnAfter);
    endTimer = setTimeout(end, idleSeconds * 1000);
  }

  function warn() {
    returnFocus = document.activeElement;
    if (!dialog.open) {
      dialog.showModal();
    }
    continueButton.focus();
  }

  function end() {
    warning.hidden = true;
    continueButton.hidden = true;
    ended.hidden = false;
    warn();
    dialog.querySelector("[type=submit]").focus();
  }

  function close() {
    dialog.close();
    if (returnFocus && typeof returnFocus.focus === "function") {
      returnFocus.focus();
    }
  }

  function keepAlive() {
    fetch(keepAliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "" },
    }).then(function (response) {
      if (response.status === 204) {
        start();
        close();
      } else {
        end();
      }
    }, end);
  }

  continueButton.addEventListener("click", keepAlive);
  dialog.addEventListener("cancel", function (event) {
    event.preventDefault(); // Escape: the user is here, so keep working
    if (!continueButton.hidden) {
      keepAlive();
    }
  });
  start();
})();
