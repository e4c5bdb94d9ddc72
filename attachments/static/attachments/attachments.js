/* Uploads of the case file's documents: drag and drop onto the form, and a progress bar while
   the file is sent. The form works without this script (a plain multipart POST); with it, the
   same form is sent by XMLHttpRequest, whose upload progress the bar shows. On success the page
   answers 204 with X-Location (the section's tab), on refusal the upload page with its errors,
   whose messages are shown here. Image previews open under the list instead of a new tab.
   Nothing is cached: every answer carries Cache-Control: no-store. */
(function () {
  "use strict";

  function setStatus(form, text, isError) {
    var status = form.querySelector(".upload-status");
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("upload-status--error", Boolean(isError));
  }

  function errorsOf(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    // The reasons given on the fields; else what the page says above its form.
    var found = page.querySelectorAll(".field__error");
    if (!found.length) { found = page.querySelectorAll("#form-errors p"); }
    var texts = [];
    found.forEach(function (node) { texts.push(node.textContent.trim()); });
    return texts.filter(Boolean).join(" ");
  }

  function showName(zone, input) {
    var name = zone.querySelector(".dropzone__name");
    if (!name) {
      name = document.createElement("p");
      name.className = "dropzone__name";
      zone.appendChild(name);
    }
    name.textContent = input.files.length ? input.files[0].name : "";
  }

  function enhanceDropzone(form) {
    var zone = form.querySelector(".dropzone");
    var input = form.querySelector("input[type=file]");
    if (!zone || !input) { return; }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone--over");
      });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("dropzone--over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showName(zone, input);
      }
    });
    input.addEventListener("change", function () { showName(zone, input); });
  }

  function enhanceUpload(form) {
    var progress = form.querySelector(".upload-progress");
    var button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.upload.addEventListener("progress", function (step) {
        if (step.lengthComputable && progress) {
          progress.value = Math.round((step.loaded / step.total) * 100);
        }
      });
      request.addEventListener("load", function () {
        if (request.status === 204) {
          setStatus(form, form.dataset.done || "", false);
          window.location.assign(request.getResponseHeader("X-Location") || window.location.href);
          return;
        }
        button.disabled = false;
        if (progress) { progress.hidden = true; }
        setStatus(form, errorsOf(request.responseText) || request.statusText, true);
      });
      request.addEventListener("error", function () {
        button.disabled = false;
        if (progress) { progress.hidden = true; }
        setStatus(form, form.dataset.failed || "", true);
      });
      if (progress) { progress.hidden = false; progress.value = 0; }
      button.disabled = true;
      setStatus(form, form.dataset.sending || "", false);
      request.send(new FormData(form));
    });
  }

  function enhancePreviews() {
    var figure = document.getElementById("attachment-preview");
    if (!figure) { return; }
    var image = document.getElementById("attachment-preview-image");
    var caption = document.getElementById("attachment-preview-caption");
    document.querySelectorAll("[data-preview-image]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        image.src = link.dataset.previewImage;
        image.alt = link.dataset.previewTitle;
        caption.textContent = link.dataset.previewTitle;
        figure.hidden = false;
        figure.scrollIntoView({ block: "nearest" });
      });
    });
    document.getElementById("attachment-preview-close").addEventListener("click", function () {
      figure.hidden = true;
      image.removeAttribute("src");
    });
  }

  document.querySelectorAll("form.attachment-upload").forEach(function (form) {
    enhanceDropzone(form);
    enhanceUpload(form);
  });
  enhancePreviews();
})();
