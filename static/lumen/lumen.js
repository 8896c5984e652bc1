// Lumen's own scripts. htmx does most of the work; this file only wires small page behaviours.
(function () {
  "use strict";
  // Show a readable message when an htmx request fails instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var box = document.createElement("div");
    box.className = "alert alert-danger alert-dismissible position-fixed bottom-0 end-0 m-3";
    box.setAttribute("role", "alert");
    var text = "Request failed (" + xhr.status + ").";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) { text = body.error.message; }
    } catch (e) { /* not JSON: keep the status line */ }
    box.textContent = text;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "alert");
    box.appendChild(close);
    document.body.appendChild(box);
  });
})();
