/* The review inbox (reporting/review/inbox.html): the header box ticks every report. */
(function () {
  var all = document.getElementById('review-all');
  if (!all || !document.querySelectorAll) { return; }
  all.addEventListener('change', function () {
    var boxes = document.querySelectorAll('#review-table input[name="report"]'), i;
    for (i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
  }, false);
})();
