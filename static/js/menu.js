// The main menu is a <details>: folded behind "Menu" on a phone, open on a wide screen.
// Without this script the button still opens and closes it; browsers with ::details-content
// show it open on wide screens by CSS alone (static/css/app.css, section 5).
(function () {
  "use strict";
  var menu = document.querySelector("[data-site-menu]");
  if (!menu || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48em)");
  function follow() { menu.open = wide.matches; }
  follow();
  if (wide.addEventListener) wide.addEventListener("change", follow);
})();
