/* Check-in forms: a live talk/action suggestion under each entry, and a
   guard against sending a form twice. Optional: every page works without it;
   "Check wording" gives the same suggestion from the server. */
(function () {
  "use strict";

  var DELAY_MS = 450;
  var MAX_CHARS = 5000;

  function csrfToken(form) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) { return meta.content; }
    var input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function chosenKind(textarea) {
    var row = textarea.closest("fieldset.ck-row") || textarea.closest("form");
    var checked = row && row.querySelector('input[type="radio"]:checked');
    return checked ? checked.value : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function label(kind) { return kind === "action" ? "Action" : "Talk"; }

  function render(box, result, chosen) {
    box.textContent = "";
    var line = el("p", "ck-suggested");
    line.appendChild(el("span", "ck-suggested-label", "Suggested from the wording: "));
    line.appendChild(el("span", "badge badge-" + result.kind, label(result.kind)));
    if (chosen && chosen !== result.kind) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("strong", "ck-disagree",
        "Disagrees: you chose " + chosen + ", the wording reads as " + result.kind + "."));
    } else if (chosen) {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(el("span", "ck-agree", "Agrees with your choice."));
    }
    box.appendChild(line);
    if (result.reasons && result.reasons.length) {
      var list = el("ul", "ck-reasons");
      result.reasons.forEach(function (reason) { list.appendChild(el("li", "", reason)); });
      box.appendChild(list);
    }
  }

  function watch(form, textarea) {
    // The suggestion box is the first element the text describes itself with;
    // an error beside it, when there is one, comes after.
    var box = document.getElementById((textarea.getAttribute("aria-describedby") || "").split(" ")[0]);
    if (!box) { return; }
    var timer = null;
    var last = null;
    var sequence = 0;

    function ask() {
      var text = textarea.value;
      var chosen = chosenKind(textarea);
      if (!text.trim()) { box.textContent = ""; last = null; return; }
      if (text.length > MAX_CHARS) {
        box.textContent = "";
        box.appendChild(el("p", "error", "At most 5,000 characters: split it into several entries."));
        last = null;
        return;
      }
      var key = chosen + "\u0000" + text;
      if (key === last) { return; }
      last = key;
      var mine = ++sequence;
      fetch(form.getAttribute("data-classify-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(form) },
        body: JSON.stringify({ text: text })
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (result) {
        // Only the answer to the latest question is shown.
        if (result && mine === sequence) { render(box, result, chosen); }
      }).catch(function () { /* the server-side "Check wording" still works */ });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    }

    textarea.addEventListener("input", later);
    var row = textarea.closest("fieldset.ck-row") || form;
    row.querySelectorAll('input[type="radio"]').forEach(function (radio) {
      radio.addEventListener("change", function () { last = null; if (textarea.value.trim()) { ask(); } });
    });
  }

  document.querySelectorAll("form[data-classify-url]").forEach(function (form) {
    form.querySelectorAll("textarea[data-classify]").forEach(function (textarea) {
      watch(form, textarea);
    });
  });

  // A double click sends one request; the server refuses a second one anyway.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent") === "1") { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      // Unlock again if the page stays (e.g. the browser kept it from the back button).
      setTimeout(function () { form.removeAttribute("data-sent"); }, 4000);
    });
  });
}());
