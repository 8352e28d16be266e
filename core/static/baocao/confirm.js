/* A form marked data-confirm="…" asks first, in FAB's dialog (#modal-confirm, "Hủy" / "Đồng ý"):
   window.confirm would say Cancel/OK in the browser's language. The text may hold line breaks.
   ES5, no inline script (the Content-Security-Policy allows none). */
(function () {
  "use strict";
  var pending = null;

  function ask(form) {
    var modal = document.getElementById("modal-confirm");
    if (!modal || !window.jQuery) { return true; }  // no dialog on this page: the server still decides
    var text = modal.querySelector(".modal-text");
    text.textContent = form.getAttribute("data-confirm");
    var ok = modal.querySelector("#modal-confirm-ok");
    if (form.getAttribute("data-confirm-ok")) { ok.textContent = form.getAttribute("data-confirm-ok"); }
    ok.className = "btn " + (form.getAttribute("data-confirm-danger") ? "btn-danger" : "btn-primary");
    pending = form;
    window.jQuery(modal).modal("show");
    return false;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm") || form.getAttribute("data-confirmed") === "1") {
      return;
    }
    if (!ask(form)) { event.preventDefault(); }
  }, true);

  function init() {
    var modal = document.getElementById("modal-confirm");
    if (!modal || !window.jQuery) { return; }
    var $modal = window.jQuery(modal);
    $modal.on("shown.bs.modal", function () {
      if (pending) { document.getElementById("modal-confirm-cancel").focus(); }  // the safe choice first
    });
    $modal.on("hidden.bs.modal", function () { pending = null; });
    document.getElementById("modal-confirm-ok").addEventListener("click", function (event) {
      if (!pending) { return; }  // FAB's own use of the dialog (list actions, delete)
      event.preventDefault();
      var form = pending;
      pending = null;
      form.setAttribute("data-confirmed", "1");
      $modal.modal("hide");
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
