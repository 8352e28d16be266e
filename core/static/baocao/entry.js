/* The entry form (#entry-form) of reporting/entry.html and backfill/form.html: table totals always; the live
   check only when the form carries data-editable. A file, not inline: the Content-Security-Policy runs no
   inline script without the page's nonce (docs/security.md). */
/* ES5 only: old browsers on slow links. Totals of each table, and the live check that asks the server. */
(function () {
  var form = document.getElementById('entry-form');
  if (!form || !document.querySelectorAll) { return; }

  function grouped(s, sep) { return new RegExp('^\\d{1,3}(\\' + sep + '\\d{3})+$').test(s); }
  /* The same reading as core.reporting.entry.parse_number: "1.234" is 1234, "1.234,5" and "1234.5" are 1234.5. */
  function parseNum(text) {
    var s = String(text).replace(/[\s\u00a0\u202f]/g, ''), sign = 1, i, whole, frac, dm, gs;
    if (s.charAt(0) === '-' || s.charAt(0) === '+') { sign = s.charAt(0) === '-' ? -1 : 1; s = s.slice(1); }
    if (!s) { return null; }
    var dot = s.indexOf('.') >= 0, comma = s.indexOf(',') >= 0;
    if (dot && comma) {
      dm = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
      gs = dm === '.' ? ',' : '.';
      i = s.lastIndexOf(dm); whole = s.slice(0, i); frac = s.slice(i + 1);
      if (!grouped(whole, gs) || !/^\d+$/.test(frac)) { return NaN; }
      s = whole.split(gs).join('') + '.' + frac;
    } else if (comma) {
      if (s.split(',').length > 2) { if (!grouped(s, ',')) { return NaN; } s = s.split(',').join(''); }
      else if (/^(\d*,\d+|\d+,)$/.test(s)) { s = s.replace(',', '.'); }
      else { return NaN; }
    } else if (dot) {
      if (s.split('.').length > 2) { if (!grouped(s, '.')) { return NaN; } s = s.split('.').join(''); }
      else if (/^[1-9]\d{0,2}\.\d{3}$/.test(s)) { s = s.replace('.', ''); }
      else if (!/^(\d*\.\d+|\d+\.)$/.test(s)) { return NaN; }
    } else if (!/^\d+$/.test(s)) { return NaN; }
    return sign * parseFloat(s);
  }
  function show(n) {
    if (isNaN(n)) { return '?'; }
    return String(Math.round(n * 1e6) / 1e6).replace('.', ',');
  }
  function setText(el, text) { if (el) { el.textContent = text; } }
  function addClass(el, c) { if (el && (' ' + el.className + ' ').indexOf(' ' + c + ' ') < 0) { el.className += ' ' + c; } }
  function dropClass(el, c) { if (el) { el.className = (' ' + el.className + ' ').replace(' ' + c + ' ', ' ').replace(/^\s+|\s+$/g, ''); } }

  function totals(table) {
    var inputs = table.querySelectorAll('input[data-row]'), rows = {}, cols = {}, all = 0, i, v, r, c, cells;
    for (i = 0; i < inputs.length; i++) {
      r = inputs[i].getAttribute('data-row'); c = inputs[i].getAttribute('data-col');
      v = parseNum(inputs[i].value);
      if (v === null) { v = 0; }
      rows[r] = (rows[r] || 0) + v; cols[c] = (cols[c] || 0) + v; all += v;
    }
    cells = table.querySelectorAll('[data-row-total]');
    for (i = 0; i < cells.length; i++) { setText(cells[i], show(rows[cells[i].getAttribute('data-row-total')] || 0)); }
    cells = table.querySelectorAll('[data-col-total]');
    for (i = 0; i < cells.length; i++) { setText(cells[i], show(cols[cells[i].getAttribute('data-col-total')] || 0)); }
    setText(table.querySelector('[data-grand-total]'), show(all));
  }
  var tables = form.querySelectorAll('table.entry-grid'), t;
  function bindTotals(table) {
    var again = function () { totals(table); };
    table.addEventListener('input', again, false);
    table.addEventListener('change', again, false);
    totals(table);
  }
  for (t = 0; t < tables.length; t++) { bindTotals(tables[t]); }

  if (!form.getAttribute('data-editable') || !window.XMLHttpRequest || !window.JSON) { return; }

  var url = form.getAttribute('data-validate'), status = document.getElementById('entry-status'),
      summary = document.getElementById('entry-summary'), ruleList = document.getElementById('entry-rules'),
      timer = null, busy = false, pending = null, dirty = false;

  function serialize(full) {
    var parts = [], els = form.elements, i, el;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') { continue; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { continue; }
      parts.push(encodeURIComponent(el.name) + '=' + encodeURIComponent(el.value));
    }
    if (full) { parts.push('_full=1'); }
    return parts.join('&');
  }
  function clear() {
    var old = form.querySelectorAll('.entry-msg'), i;
    for (i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    old = ruleList.querySelectorAll('.entry-msg');
    for (i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    old = form.querySelectorAll('.has-error');
    for (i = 0; i < old.length; i++) { dropClass(old[i], 'has-error'); }
  }
  function note(list, text, tag) {
    var el = document.createElement(tag || 'span');
    el.className = tag ? 'entry-msg' : 'help-block entry-msg';
    el.textContent = text;
    list.appendChild(el);
  }
  function place(key, messages) {
    var m = /^(.*)\[(.*)\]$/.exec(key), code = m ? m[1] : key, cell = m ? m[2] : '',
        box = document.getElementById('field-' + code), input, i, prefix = '';
    if (!box) { for (i = 0; i < messages.length; i++) { note(ruleList, key + ': ' + messages[i], 'li'); } return; }
    addClass(box, 'has-error');
    if (cell) {
      input = form.elements[code + '__' + cell];
      if (input) { addClass(input.parentNode, 'has-error'); prefix = input.getAttribute('title') + ': '; }
    }
    for (i = 0; i < messages.length; i++) { note(box.querySelector('.entry-errors'), prefix + messages[i]); }
  }
  function local() {
    /* What only the browser knows: a number input holding text it cannot read sends nothing. */
    var found = {}, els = form.querySelectorAll('input'), i;
    for (i = 0; i < els.length; i++) {
      if (els[i].validity && els[i].validity.badInput) { found[els[i].name] = [els[i].validationMessage]; }
    }
    return found;
  }
  function render(errors) {
    var count = 0, key, i, extra = local();
    clear();
    for (key in extra) { if (extra.hasOwnProperty(key) && !errors[key]) { errors[key] = extra[key]; } }
    for (key in errors) {
      if (!errors.hasOwnProperty(key)) { continue; }
      count += errors[key].length;
      if (key === '_rules') { for (i = 0; i < errors[key].length; i++) { note(ruleList, errors[key][i], 'li'); } }
      else { place(key, errors[key]); }
    }
    if (ruleList.children.length) { dropClass(summary, 'hidden'); } else { addClass(summary, 'hidden'); }
    setText(status, count ? form.getAttribute('data-msg-errors') + ' ' + count : form.getAttribute('data-msg-ok'));
  }
  function send(full) {
    if (busy) { pending = full || pending === true; return; }
    busy = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url, true);
    xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8');
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      busy = false;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 200 && data) { render(data.errors || {}); }
      else { setText(status, (data && data.message) || form.getAttribute('data-msg-offline')); }
      if (pending !== null) { var next = pending; pending = null; send(next); }
    };
    xhr.send(serialize(full));
  }
  form.addEventListener('change', function () {
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; send(false); }, 500);
  }, false);
  form.addEventListener('submit', function (e) {
    /* A number input holding text it cannot read would post nothing, and saving would clear the value. */
    var found = local(), key;
    for (key in found) { if (found.hasOwnProperty(key)) { e.preventDefault(); render(found); return; } }
    dirty = false;
  }, false);
  var check = document.getElementById('entry-check');
  if (check) { check.addEventListener('click', function () { send(true); }, false); }
  window.addEventListener('beforeunload', function (e) {
    if (!dirty) { return undefined; }
    e.returnValue = form.getAttribute('data-msg-leave');
    return e.returnValue;
  }, false);
})();
