/* The Admin menu in the top bar is a <details>: it opens and closes with the
   mouse and the keyboard without this script. This only closes it the way a
   menu is expected to close: on a click or tap outside it, and on Escape
   (focus returns to "Admin"). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.navmenu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.navmenu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) { summary.focus(); }
    });
  });
}());
