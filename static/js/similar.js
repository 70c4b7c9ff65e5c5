// "Is dit al eerder gevraagd?": while a question is written, fetch similar cases from the server.
// Without this script the "Zoek vergelijkbare vragen" button does the same with a full page.
(function () {
  "use strict";
  var box = document.querySelector("[data-similar-url]");
  var form = box && box.closest("form");
  var results = box && box.querySelector("[data-similar-results]");
  var token = document.querySelector('meta[name="csrf-token"]');
  if (!box || !form || !results || !token || !window.fetch || !window.FormData) return;
  var timer = null, last = "";
  function text(name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }
  function ask() {
    var key = text("title") + "\n" + text("situation");
    if (key === last || key.replace(/\s+/g, " ").trim().split(" ").length < 3) return;
    last = key;
    var data = new FormData();
    data.append("csrf_token", token.getAttribute("content"));
    data.append("title", text("title"));
    data.append("situation", text("situation"));
    data.append("request", text("request"));
    fetch(box.getAttribute("data-similar-url"), {method: "POST", body: data, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) results.innerHTML = html; })  // our own server-rendered fragment
      .catch(function () { /* the button still works */ });
  }
  ["title", "situation", "request"].forEach(function (name) {
    var field = form.elements[name];
    if (!field) return;
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 700);
    });
  });
})();
