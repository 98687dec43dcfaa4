/* The meldknop form's proof-of-work and request padding (intake_adapters/meldknop/work.py).
   - As soon as the page opens, find a nonce so that SHA-256(challenge + nonce) starts with the
     asked number of zero bits; the visitor fills in the form meanwhile.
   - On sending, wait for that nonce if needed, then pad the body to one fixed length with the
     hidden field "padding", so its size on the network says nothing about the answers.
   Without this file the server refuses the form and says JavaScript is needed. */
(function () {
  "use strict";

  var BATCH = 64;

  function leadingZeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i += 1) {
      if (bytes[i] === 0) { bits += 8; continue; }
      var byte = bytes[i];
      while ((byte & 0x80) === 0) { bits += 1; byte <<= 1; }
      return bits;
    }
    return bits;
  }

  function solve(challenge, bits) {
    var encoder = new TextEncoder();
    var next = 0;
    function batch() {
      var nonces = [];
      for (var i = 0; i < BATCH; i += 1) { nonces.push(String(next + i)); }
      next += BATCH;
      return Promise.all(nonces.map(function (nonce) {
        return crypto.subtle.digest("SHA-256", encoder.encode(challenge + nonce));
      })).then(function (digests) {
        for (var j = 0; j < digests.length; j += 1) {
          if (leadingZeroBits(new Uint8Array(digests[j])) >= bits) { return nonces[j]; }
        }
        return batch();
      });
    }
    return batch();
  }

  function encodedLength(form) {
    return new URLSearchParams(new FormData(form)).toString().length;
  }

  function padBody(form, field, target) {
    field.value = "";
    var missing = target - encodedLength(form);
    // Letters are sent as they are, so each adds exactly one byte to the body.
    field.value = missing > 0 ? new Array(missing + 1).join("x") : "";
  }

  function setUp() {
    var form = document.querySelector("form.meldknop-form[data-work-bits]");
    if (!form) { return; }
    var challenge = form.querySelector("input[name=challenge]");
    var nonce = form.querySelector("input[name=nonce]");
    var padding = form.querySelector("input[name=padding]");
    var status = document.getElementById("work-status");
    var button = document.getElementById("send");
    if (!challenge || !nonce || !padding || !status || !button) { return; }
    if (!window.crypto || !crypto.subtle || !window.TextEncoder || !window.URLSearchParams) {
      status.textContent = status.getAttribute("data-unsupported");
      status.hidden = false;
      return;
    }
    var bits = parseInt(form.getAttribute("data-work-bits"), 10) || 0;
    var target = parseInt(form.getAttribute("data-pad-to"), 10) || 0;
    var solved = solve(challenge.value, bits);
    var sending = false;

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (sending) { return; }
      sending = true;
      button.disabled = true;
      status.textContent = status.getAttribute("data-waiting");
      status.hidden = false;
      solved.then(function (found) {
        nonce.value = found;
        padBody(form, padding, target);
        form.submit();
      }, function () {
        sending = false;
        button.disabled = false;
        status.textContent = status.getAttribute("data-unsupported");
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
