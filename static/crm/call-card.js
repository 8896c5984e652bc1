// The caller's pop-up card (CRM telephony). The live socket (lumen.js) re-dispatches every push as a
// "lumen:live" event; a call push carries only {event: "crm.call", call: id, state}. On "ringing" the card is
// fetched from the server, rendered for this person (their rights decide what it shows), and shown in the
// corner, replacing any earlier card; "answered" updates its state; "finished" takes it away. No inline code.
(function () {
  "use strict";
  var script = document.currentScript;
  var cardUrl = script && script.getAttribute("data-card-url");
  if (!cardUrl || window.lumenCallCard) { return; }

  var box = null;
  var current = null;  // the id of the call whose card is shown (or being fetched)
  var closed = {};     // calls whose card the person closed: a later push does not bring it back

  function urlFor(callId) {
    return cardUrl.replace(/\/0\/card\/$/, "/" + encodeURIComponent(callId) + "/card/");
  }

  function container() {
    if (box && document.body.contains(box)) { return box; }
    box = document.createElement("div");
    box.id = "crm-call-card";
    box.className = "position-fixed bottom-0 end-0 m-3";
    box.setAttribute("aria-live", "assertive");
    // Sizes through the CSSOM (the policy refuses style attributes): above toasts, within a phone's width.
    box.style.zIndex = "1090";
    box.style.width = "min(24rem, calc(100vw - 2rem))";
    document.body.appendChild(box);
    return box;
  }

  function hide(callId) {
    if (callId !== undefined && String(callId) !== String(current)) { return; }
    current = null;
    if (box) { box.replaceChildren(); }
  }

  function show(callId) {
    current = String(callId);
    fetch(urlFor(callId), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        // Another call may have replaced this one meanwhile, or the card was closed.
        if (html === null || current !== String(callId)) { return; }
        var target = container();
        target.innerHTML = html;
        var card = target.querySelector("[data-call]");
        if (card) { card.setAttribute("tabindex", "-1"); }
      })
      .catch(function () { /* the card is a convenience: the call goes on without it */ });
  }

  function setState(callId, state) {
    if (!box || String(callId) !== String(current)) { return; }
    var card = box.querySelector("[data-call]");
    if (!card) { return; }
    card.setAttribute("data-state", state);
    var label = box.querySelector("[data-call-state]");
    var text = card.getAttribute("data-label-" + state);
    if (label && text) { label.textContent = text; }
  }

  document.addEventListener("lumen:live", function (event) {
    var payload = event.detail;
    if (!payload || payload.event !== "crm.call" || payload.call === undefined) { return; }
    var callId = String(payload.call);
    if (payload.state === "finished") {
      hide(callId);
      return;
    }
    if (closed[callId]) { return; }
    if (payload.state === "ringing" || current !== callId) {
      show(callId);
    } else {
      setState(callId, payload.state);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-call-card-close]");
    if (!button || !box || !box.contains(button)) { return; }
    if (current) { closed[current] = true; }
    hide();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && box && box.contains(document.activeElement) && current) {
      closed[current] = true;
      hide();
    }
  });

  window.lumenCallCard = { show: show, hide: hide };
})();
