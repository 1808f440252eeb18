/* Picker fields (tracker/forms.py PickerField): a text input naming one
   person or initiative among thousands, with a <datalist> this script fills
   from the field's search endpoint (data-picker) as the person types.
   Optional: without it the input still takes an email, a name or a number. */
(function () {
  "use strict";

  var DELAY_MS = 250;
  var MIN_CHARS = 2;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-picker");
    if (!list || !url || !window.fetch) { return; }
    var timer = null;
    var asked = "";
    var pending = null;

    function fill(items, query) {
      // An answer to an older query is dropped: the person typed on.
      if (input.value.trim() !== query) { return; }
      list.textContent = "";
      items.forEach(function (item) {
        var option = document.createElement("option");
        option.value = item.value;
        if (item.label) { option.label = item.label; }
        list.appendChild(option);
      });
    }

    function ask(query) {
      asked = query;
      if (pending && pending.abort) { pending.abort(); }
      pending = window.AbortController ? new AbortController() : null;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" },
        signal: pending ? pending.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : [];
      }).then(function (items) {
        fill(Array.isArray(items) ? items : [], query);
      }).catch(function () { /* aborted or offline: the field still takes what is typed */ });
    }

    input.addEventListener("input", function () {
      var query = input.value.trim();
      window.clearTimeout(timer);
      if (query.length < MIN_CHARS || query === asked) { return; }
      timer = window.setTimeout(function () { ask(query); }, DELAY_MS);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[data-picker]"), attach);
})();
