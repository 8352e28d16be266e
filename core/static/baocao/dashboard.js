/* baocao dashboard (R2): draws /dashboard/data with the Chart.js served by this app.
   Plain ES5 and one request, for old PCs and slow links; numbers the Vietnamese way (1.234,5). */
(function () {
  'use strict';
  var box = document.getElementById('dashboard-charts');
  if (!box) { return; }
  var text = box.dataset || {};
  var COLOURS = ['#337ab7', '#5cb85c', '#f0ad4e', '#d9534f', '#5bc0de', '#777777'];

  function vn(value) {
    if (value === null || value === undefined || value === '') { return '–'; }
    var n = Number(value), neg = n < 0, parts;
    n = Math.round(Math.abs(n) * 100) / 100;
    parts = String(n).split('.');
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, '.');
    return (neg ? '-' : '') + parts.join(',');
  }

  function cell(row, value, right) {
    var td = document.createElement('td');
    td.textContent = value;
    if (right) { td.className = 'text-right'; }
    row.appendChild(td);
  }

  function table(id, rows) {
    var body = document.querySelector('#' + id + ' tbody');
    body.innerHTML = '';
    rows.forEach(function (r) {
      var tr = document.createElement('tr');
      cell(tr, r[0]); cell(tr, vn(r[1]), true); cell(tr, r[2] + ' ' + text.reports, true);
      body.appendChild(tr);
    });
  }

  function axis() {
    return {y: {beginAtZero: true, ticks: {callback: function (v) { return vn(v); }}}};
  }

  function tooltip() {
    return {callbacks: {label: function (c) { return ' ' + vn(c.parsed.y !== undefined ? c.parsed.y : c.parsed); }}};
  }

  function empty(canvasId) {
    var canvas = document.getElementById(canvasId), p = document.createElement('p');
    p.className = 'text-muted';
    p.textContent = text.empty;
    canvas.parentNode.replaceChild(p, canvas);
  }

  /* A figure estimated on today's boundaries (issue 19) carries a star; the note under the choices says why. */
  function starred(name, reconstructed) { return reconstructed ? name + ' *' : name; }

  function notes(data) {
    if (data.reconstructed) { document.getElementById('dashboard-reconstructed').hidden = false; }
    if (data.note) {
      var note = document.getElementById('dashboard-note');
      note.textContent = data.note;
      note.hidden = false;
    }
  }

  function bars(data) {
    var rows = data.contributions;
    table('table-children', rows.map(function (c) { return [starred(c.unit_name, c.reconstructed), c.value, c.reports]; }));
    if (!rows.length) { return empty('chart-children'); }
    new Chart(document.getElementById('chart-children'), {
      type: 'bar',
      data: {labels: rows.map(function (c) { return starred(c.unit_name, c.reconstructed); }),
             datasets: [{label: data.label, data: rows.map(function (c) { return c.value; }),
                         backgroundColor: COLOURS[0]}]},
      options: {animation: false, plugins: {legend: {display: false}, tooltip: tooltip()}, scales: axis()}
    });
  }

  function line(data) {
    var points = data.trend;
    table('table-trend', points.map(function (p) { return [starred(p.name, p.reconstructed), p.value, p.reports]; }));
    if (!points.length) { return empty('chart-trend'); }
    new Chart(document.getElementById('chart-trend'), {
      type: 'line',
      data: {labels: points.map(function (p) { return starred(p.name, p.reconstructed); }),
             datasets: [{label: data.label, data: points.map(function (p) { return p.value; }),
                         borderColor: COLOURS[1], backgroundColor: COLOURS[1], tension: 0}]},
      options: {animation: false, plugins: {legend: {display: false}, tooltip: tooltip()}, scales: axis()}
    });
  }

  function gauges(data) {
    var row = document.getElementById('gauges');
    data.completeness.forEach(function (s, i) {
      var col = document.createElement('div'), title = document.createElement('h5'),
        canvas = document.createElement('canvas'), note = document.createElement('p');
      col.className = 'col-sm-4 text-center';
      title.textContent = s.name;
      canvas.id = 'gauge-' + i;
      canvas.height = 160;
      note.className = 'small';
      note.textContent = vn(s.submitted) + ' / ' + vn(s.expected) + ' (' + vn(s.rate) + '%)';
      col.appendChild(title); col.appendChild(canvas); col.appendChild(note);
      row.appendChild(col);
      new Chart(canvas, {
        type: 'doughnut',
        data: {labels: [text.onTime, text.late, text.missing],
               datasets: [{data: [s.on_time, s.late, s.missing], backgroundColor: [COLOURS[1], COLOURS[2], COLOURS[3]]}]},
        options: {animation: false, rotation: -90, circumference: 180, plugins: {tooltip: tooltip()}}
      });
    });
  }

  function failed() {
    document.getElementById('dashboard-loading').textContent = text.failed;
  }

  var xhr = new XMLHttpRequest();
  xhr.open('GET', box.getAttribute('data-url'));
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.onload = function () {
    if (xhr.status !== 200) { return failed(); }
    var data = JSON.parse(xhr.responseText);
    document.getElementById('dashboard-loading').style.display = 'none';
    notes(data); bars(data); line(data); gauges(data);
  };
  xhr.onerror = failed;
  xhr.send();
})();
